import Foundation
import PlaykeeperJSON

/// A Spotify object read leniently from its JSON, which it keeps as `raw`.
///
/// Almost every Spotify field can be missing or `null` (see SPOTIFY.md), so construction never fails:
/// a missing field becomes `nil`, and the raw JSON stays available for storage and later re-reading.
public protocol SpotifyObject: Sendable, Decodable {
    /// The object exactly as Spotify sent it.
    var raw: JSONValue { get }
    /// Reads the object from a JSON tree, tolerating absent, `null` and mistyped fields.
    init(json: JSONValue)
}

extension SpotifyObject {
    public init(from decoder: any Decoder) throws {
        self.init(json: try JSONValue(from: decoder))
    }

    /// Parses a response body into the object.
    public init(data: Data) throws {
        self.init(json: try JSONValue(parsing: data))
    }
}

enum SpotifyDate {
    /// Spotify timestamps are ISO 8601 in UTC, with or without fractional seconds.
    static func parse(_ value: JSONValue?) -> Date? {
        guard let text = value?.stringValue else { return nil }
        if let date = parseSeconds(text) { return date }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`, the form nearly every `added_at` takes, read without a formatter (a sync reads a
    /// hundred thousand). `nil` for any other text, which the formatters then read.
    static func parseSeconds(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { bytes -> Date? in
            guard bytes.count == 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
                bytes[10] == UInt8(ascii: "T"), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
                bytes[19] == UInt8(ascii: "Z")
            else { return nil }
            func number(_ range: Range<Int>) -> Int? {
                var value = 0
                for index in range {
                    let digit = Int(bytes[index]) - Int(UInt8(ascii: "0"))
                    guard (0...9).contains(digit) else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
                let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
                (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour < 24, minute < 60,
                second < 60
            else { return nil }
            let seconds = daysSinceEpoch(year: year, month: month, day: day) * 86_400 + hour * 3_600 + minute * 60 + second
            return Date(timeIntervalSince1970: TimeInterval(seconds))
        }
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (the civil-from-days method, reversed).
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
