import Foundation
import PlaykeeperJSON

/// Everything a Spotify library holds, in the JSON form the admin API loads and dumps.
///
/// This is the emulator's own format, not Spotify's: compact, with URIs and ids, so that tests and
/// benchmarks can write libraries by hand or generate them.
public struct EmulatorLibrary: Codable, Sendable, Equatable {
    public var users: [User]
    public var tracks: [Track]
    public var episodes: [Episode]
    public var playlists: [Playlist]
    /// Each user's `/me/playlists`, in order: owned and followed playlist ids.
    public var follows: [String: [String]]
    /// Each user's Liked Songs, newest first.
    public var liked: [String: [Saved]]
    /// Each user's recent plays, newest first.
    public var plays: [String: [Play]]

    public init(
        users: [User] = [], tracks: [Track] = [], episodes: [Episode] = [], playlists: [Playlist] = [],
        follows: [String: [String]] = [:], liked: [String: [Saved]] = [:], plays: [String: [Play]] = [:]
    ) {
        self.users = users
        self.tracks = tracks
        self.episodes = episodes
        self.playlists = playlists
        self.follows = follows
        self.liked = liked
        self.plays = plays
    }

    public struct User: Codable, Sendable, Equatable {
        enum CodingKeys: String, CodingKey {
            case id, accountID = "account_id", displayName = "display_name", country, allowListed = "allow_listed"
        }

        public var id: String
        public var accountID: String
        public var displayName: String
        public var country: String
        /// `false` models a user missing from the app's allow-list: `/v1/me` answers 403.
        public var allowListed: Bool

        public init(id: String, accountID: String? = nil, displayName: String, country: String = "DE", allowListed: Bool = true) {
            self.id = id
            self.accountID = accountID ?? "acct-\(id)"
            self.displayName = displayName
            self.country = country
            self.allowListed = allowListed
        }
    }

    public struct Artist: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    public struct Album: Codable, Sendable, Equatable {
        enum CodingKeys: String, CodingKey {
            case id, name, type, releaseDate = "release_date"
        }

        public var id: String
        public var name: String
        /// `album`, `single` or `compilation`.
        public var type: String
        public var releaseDate: String
        public init(id: String, name: String, type: String, releaseDate: String) {
            self.id = id
            self.name = name
            self.type = type
            self.releaseDate = releaseDate
        }
    }

    public struct Track: Codable, Sendable, Equatable {
        enum CodingKeys: String, CodingKey {
            case id, name, artists, album, durationMS = "duration_ms", isrc, explicit, trackNumber = "track_number", playable
            case relinkedTo = "relinked_to", unavailable
        }

        public var id: String
        public var name: String
        public var artists: [Artist]
        public var album: Album
        public var durationMS: Int
        public var isrc: String?
        public var explicit: Bool
        public var trackNumber: Int
        /// Not playable in the user's market: `is_playable: false` when read with `market`.
        public var playable: Bool
        /// When set, reads with `market` show this track instead, with `linked_from` naming the original.
        public var relinkedTo: String?
        /// Withdrawn from the catalogue: playlist entries holding it read as `item: null`.
        public var unavailable: Bool

        public init(
            id: String, name: String, artists: [Artist], album: Album, durationMS: Int, isrc: String?,
            explicit: Bool = false, trackNumber: Int = 1, playable: Bool = true, relinkedTo: String? = nil,
            unavailable: Bool = false
        ) {
            self.id = id
            self.name = name
            self.artists = artists
            self.album = album
            self.durationMS = durationMS
            self.isrc = isrc
            self.explicit = explicit
            self.trackNumber = trackNumber
            self.playable = playable
            self.relinkedTo = relinkedTo
            self.unavailable = unavailable
        }

        public var uri: String { "spotify:track:\(id)" }
    }

    public struct Episode: Codable, Sendable, Equatable {
        enum CodingKeys: String, CodingKey {
            case id, name, showID = "show_id", showName = "show_name", publisher, durationMS = "duration_ms"
            case releaseDate = "release_date", description
        }

        public var id: String
        public var name: String
        public var showID: String
        public var showName: String
        public var publisher: String
        public var durationMS: Int
        public var releaseDate: String
        public var description: String

        public init(
            id: String, name: String, showID: String, showName: String, publisher: String, durationMS: Int,
            releaseDate: String, description: String = ""
        ) {
            self.id = id
            self.name = name
            self.showID = showID
            self.showName = showName
            self.publisher = publisher
            self.durationMS = durationMS
            self.releaseDate = releaseDate
            self.description = description
        }

        public var uri: String { "spotify:episode:\(id)" }
    }

    public struct Playlist: Codable, Sendable, Equatable {
        enum CodingKeys: String, CodingKey {
            case id, owner, name, description, isPublic = "public", collaborative, collaborators, entries, editorial
        }

        public var id: String
        public var owner: String
        public var name: String
        public var description: String
        public var isPublic: Bool
        public var collaborative: Bool
        /// Users who may read and edit the items besides the owner.
        public var collaborators: [String]
        public var entries: [Entry]
        /// Spotify-owned editorial playlists answer 404 to everyone.
        public var editorial: Bool

        public init(
            id: String, owner: String, name: String, description: String = "", isPublic: Bool = false,
            collaborative: Bool = false, collaborators: [String] = [], entries: [Entry] = [], editorial: Bool = false
        ) {
            self.id = id
            self.owner = owner
            self.name = name
            self.description = description
            self.isPublic = isPublic
            self.collaborative = collaborative
            self.collaborators = collaborators
            self.entries = entries
            self.editorial = editorial
        }
    }

    /// One playlist position: a track, an episode or a local file (`spotify:local:…`).
    public struct Entry: Codable, Sendable, Equatable {
        enum CodingKeys: String, CodingKey {
            case uri, addedAt = "added_at", addedBy = "added_by"
        }

        public var uri: String
        public var addedAt: Date?
        public var addedBy: String?

        public init(uri: String, addedAt: Date?, addedBy: String?) {
            self.uri = uri
            self.addedAt = addedAt
            self.addedBy = addedBy
        }
    }

    public struct Saved: Codable, Sendable, Equatable {
        enum CodingKeys: String, CodingKey {
            case uri, addedAt = "added_at"
        }

        public var uri: String
        public var addedAt: Date
        public init(uri: String, addedAt: Date) {
            self.uri = uri
            self.addedAt = addedAt
        }
    }

    public struct Play: Codable, Sendable, Equatable {
        enum CodingKeys: String, CodingKey {
            case uri, playedAt = "played_at", contextURI = "context_uri"
        }

        public var uri: String
        public var playedAt: Date
        public var contextURI: String?
        public init(uri: String, playedAt: Date, contextURI: String? = nil) {
            self.uri = uri
            self.playedAt = playedAt
            self.contextURI = contextURI
        }
    }
}

extension EmulatorLibrary {
    /// The coder the admin API uses: snake_case keys (named on each type, so user ids in dictionary keys
    /// stay as they are) and ISO 8601 dates.
    public static func decoder() -> JSONValueDecoder { JSONValueDecoder() }

    public static func encoder() -> JSONValueEncoder { JSONValueEncoder() }
}
