import Foundation
import PlaykeeperJSON

/// One position in a playlist: `{added_at, added_by, is_local, item}`.
///
/// The entry's content was called `track` before February 2026 and `item` after; development-mode
/// responses may send `track: null` next to a filled `item`, so `item ?? track` is read.
public struct PlaylistEntry: SpotifyObject {
    public let raw: JSONValue
    public let addedAt: Date?
    public let addedBy: UserReference?
    public let isLocal: Bool
    /// What the entry holds; `nil` when Spotify sent `null`: the item is no longer available.
    public let item: PlaylistItem?

    public init(json: JSONValue) {
        raw = json
        addedAt = SpotifyDate.parse(json["added_at"])
        addedBy = json.nonNull("added_by").map(UserReference.init(json:))
        let content = json.nonNull("item") ?? json.nonNull("track")
        isLocal = json["is_local"]?.boolValue ?? content?["is_local"]?.boolValue ?? false
        item = content.map { PlaylistItem(json: $0, isLocal: json["is_local"]?.boolValue) }
    }

    /// The four kinds of entry a playlist can hold.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case track, episode, local, unavailable
    }

    public var kind: Kind {
        switch item {
        case nil: .unavailable
        case .track(let track): track.isLocal ? .local : .track
        case .episode: .episode
        }
    }

    /// The URI that identifies this entry in writes. For a relinked track that is the URI the playlist
    /// holds (`linked_from.uri`), not the substitute Spotify played.
    public var uri: String? { item?.playlistURI }
}

/// A track or an episode.
public enum PlaylistItem: Sendable {
    case track(Track)
    case episode(Episode)

    init(json: JSONValue, isLocal: Bool? = nil) {
        // Without `additional_types=track,episode` an episode arrives disguised as a track, but still says
        // `"type": "episode"`; read it as an episode either way.
        if json["type"]?.stringValue == "episode" {
            self = .episode(Episode(json: json))
        } else {
            self = .track(Track(json: json, isLocal: isLocal))
        }
    }

    public var raw: JSONValue {
        switch self {
        case .track(let track): track.raw
        case .episode(let episode): episode.raw
        }
    }

    public var uri: String? {
        switch self {
        case .track(let track): track.uri
        case .episode(let episode): episode.uri
        }
    }

    /// The URI as stored in the playlist: for a relinked track, its `linked_from` URI.
    public var playlistURI: String? {
        switch self {
        case .track(let track): track.linkedFrom?.uri ?? track.uri
        case .episode(let episode): episode.uri
        }
    }

    public var name: String? {
        switch self {
        case .track(let track): track.name
        case .episode(let episode): episode.name
        }
    }

    public var durationMS: Int? {
        switch self {
        case .track(let track): track.durationMS
        case .episode(let episode): episode.durationMS
        }
    }
}
