import Foundation
import PlaykeeperJSON

/// An entry of Liked Songs, from `GET /me/tracks`.
public struct SavedTrack: SpotifyObject {
    public let raw: JSONValue
    public let addedAt: Date?
    /// `nil` when Spotify sent `null`.
    public let track: Track?

    public init(json: JSONValue) {
        raw = json
        addedAt = SpotifyDate.parse(json["added_at"])
        track = json.nonNull("track").map(Track.init(json:))
    }
}

/// A play from `GET /me/player/recently-played`.
public struct PlayHistoryItem: SpotifyObject {
    public let raw: JSONValue
    public let track: Track?
    public let playedAt: Date?
    public let contextURI: String?

    public init(json: JSONValue) {
        raw = json
        track = json.nonNull("track").map(Track.init(json:))
        playedAt = SpotifyDate.parse(json["played_at"])
        contextURI = json["context"]?["uri"]?.stringValue
    }
}

/// Tracks looked up by id (`{"tracks": [...]}`), with `null` for ids that were not found.
public struct SeveralTracks: SpotifyObject {
    public let raw: JSONValue
    public let tracks: [Track?]

    public init(json: JSONValue) {
        raw = json
        tracks = (json["tracks"]?.arrayValue ?? []).map { $0.isNull ? nil : Track(json: $0) }
    }
}
