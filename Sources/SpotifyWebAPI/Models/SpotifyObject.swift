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
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
