import Foundation
import PlaykeeperJSON

/// A track. Local files are tracks too: `is_local: true`, `id: null`, a `spotify:local:` URI.
public struct Track: SpotifyObject {
    public let raw: JSONValue
    public let id: String?
    public let uri: String?
    public let name: String?
    public let durationMS: Int?
    public let artists: [ArtistReference]
    public let album: AlbumReference?
    /// The recording's ISRC, from `external_ids.isrc`.
    public let isrc: String?
    /// Sent only when the request carries `market`.
    public let isPlayable: Bool?
    /// The track the playlist really holds when Spotify substituted this one (relinking). Sent only with `market`.
    public let linkedFrom: LinkedTrack?
    public let isLocal: Bool
    public let explicit: Bool?
    public let discNumber: Int?
    public let trackNumber: Int?

    public init(json: JSONValue) {
        self.init(json: json, isLocal: nil)
    }

    init(json: JSONValue, isLocal entryIsLocal: Bool?) {
        raw = json
        id = json["id"]?.stringValue
        uri = json["uri"]?.stringValue
        name = json["name"]?.stringValue
        durationMS = json["duration_ms"]?.intValue
        artists = (json["artists"]?.arrayValue ?? []).filter { !$0.isNull }.map(ArtistReference.init(json:))
        album = json.nonNull("album").map(AlbumReference.init(json:))
        isrc = json["external_ids"]?["isrc"]?.stringValue
        isPlayable = json["is_playable"]?.boolValue
        linkedFrom = json.nonNull("linked_from").map(LinkedTrack.init(json:))
        isLocal = json["is_local"]?.boolValue ?? entryIsLocal ?? (uri?.hasPrefix("spotify:local:") ?? false)
        explicit = json["explicit"]?.boolValue
        discNumber = json["disc_number"]?.intValue
        trackNumber = json["track_number"]?.intValue
    }
}

public struct LinkedTrack: SpotifyObject, Hashable {
    public let raw: JSONValue
    public let id: String?
    public let uri: String?

    public init(json: JSONValue) {
        raw = json
        id = json["id"]?.stringValue
        uri = json["uri"]?.stringValue
    }
}

public struct ArtistReference: SpotifyObject, Hashable {
    public let raw: JSONValue
    /// `nil` for the artists of a local file.
    public let id: String?
    public let name: String?
    public let uri: String?

    public init(json: JSONValue) {
        raw = json
        id = json["id"]?.stringValue
        name = json["name"]?.stringValue
        uri = json["uri"]?.stringValue
    }
}

public struct AlbumReference: SpotifyObject {
    public let raw: JSONValue
    public let id: String?
    public let uri: String?
    public let name: String?
    /// `album`, `single` or `compilation` (`show` on a disguised episode).
    public let albumType: String?
    public let releaseDate: String?

    public init(json: JSONValue) {
        raw = json
        id = json["id"]?.stringValue
        uri = json["uri"]?.stringValue
        name = json["name"]?.stringValue
        albumType = json["album_type"]?.stringValue
        releaseDate = json["release_date"]?.stringValue
    }
}

/// A podcast episode.
public struct Episode: SpotifyObject {
    public let raw: JSONValue
    public let id: String?
    public let uri: String?
    public let name: String?
    public let durationMS: Int?
    public let showName: String?
    public let releaseDate: String?
    public let isPlayable: Bool?

    public init(json: JSONValue) {
        raw = json
        id = json["id"]?.stringValue
        uri = json["uri"]?.stringValue
        name = json["name"]?.stringValue
        durationMS = json["duration_ms"]?.intValue
        // A real EpisodeObject has `show`; a disguised one carries the show as its `album`.
        showName = json["show"]?["name"]?.stringValue ?? json["album"]?["name"]?.stringValue
        releaseDate = json["release_date"]?.stringValue
        isPlayable = json["is_playable"]?.boolValue
    }
}
