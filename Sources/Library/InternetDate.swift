import Foundation

/// A date as `Date.ISO8601FormatStyle()` writes it (`2026-12-05T12:30:42Z`: UTC, whole seconds, fractions dropped),
/// without a calendar object (the Gregorian rules, from 1583): a page of 50 playlists spent more on formatting their dates than on reading them.
public enum InternetDate {
    public static func string(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard abs(seconds) < 1e12 else { return date.formatted(Date.ISO8601FormatStyle()) }
        let day = RollupRanges.day(of: date)
        let time = Int(seconds) - day * 86_400
        let (year, month, dayOfMonth) = RollupRanges.civil(day)
        // Foundation's calendar is Julian before October 1582; a date then is rare enough to leave to it.
        guard (1583...9999).contains(year) else { return date.formatted(Date.ISO8601FormatStyle()) }
        var text: [UInt8] = []
        text.reserveCapacity(20)
        func append(_ value: Int, digits: Int) {
            var divisor = 1
            for _ in 1..<digits { divisor *= 10 }
            while divisor > 0 {
                text.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
                divisor /= 10
            }
        }
        append(year, digits: 4)
        text.append(UInt8(ascii: "-"))
        append(month, digits: 2)
        text.append(UInt8(ascii: "-"))
        append(dayOfMonth, digits: 2)
        text.append(UInt8(ascii: "T"))
        append(time / 3600, digits: 2)
        text.append(UInt8(ascii: ":"))
        append(time / 60 % 60, digits: 2)
        text.append(UInt8(ascii: ":"))
        append(time % 60, digits: 2)
        text.append(UInt8(ascii: "Z"))
        return String(decoding: text, as: UTF8.self)
    }
}
