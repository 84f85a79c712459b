import Foundation

/// What the person chose for their unified playlist. Saved per user; flags given to `unify` update it.
public struct UnifiedSettings: Codable, Sendable, Equatable {
    /// What happens to edits the person made to the unified playlist in the Spotify app.
    public enum AppEdits: String, Codable, Sendable, CaseIterable {
        /// Their removals stick: a song they removed is remembered and not added again.
        case keep
        /// Playkeeper restores its own list.
        case restore
    }

    public var name = "All my tracks"
    /// Source playlists by Spotify id. When not empty, only these (and Liked Songs with `liked`) are sources.
    public var include: [String] = []
    /// Playlists never used as sources.
    public var exclude: [String] = []
    public var liked = false
    public var includeEpisodes = false
    public var match: MatchLevel = .exact
    public var propagateRemovals = true
    public var appEdits: AppEdits = .keep
    public var isPublic = false
    /// Whether the service updates the playlist after its scheduled syncs.
    public var automatic = true

    public init() {}

    enum CodingKeys: String, CodingKey {
        case name, include, exclude, liked, match, automatic
        case includeEpisodes = "include_episodes", propagateRemovals = "propagate_removals", appEdits = "app_edits"
        case isPublic = "public"
    }

    public init(from decoder: any Decoder) throws {
        // Every field is optional on disk, so settings saved by an older version still load.
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = UnifiedSettings()
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? defaults.name
        include = try container.decodeIfPresent([String].self, forKey: .include) ?? []
        exclude = try container.decodeIfPresent([String].self, forKey: .exclude) ?? []
        liked = try container.decodeIfPresent(Bool.self, forKey: .liked) ?? defaults.liked
        includeEpisodes = try container.decodeIfPresent(Bool.self, forKey: .includeEpisodes) ?? defaults.includeEpisodes
        match = try container.decodeIfPresent(MatchLevel.self, forKey: .match) ?? defaults.match
        propagateRemovals = try container.decodeIfPresent(Bool.self, forKey: .propagateRemovals) ?? defaults.propagateRemovals
        appEdits = try container.decodeIfPresent(AppEdits.self, forKey: .appEdits) ?? defaults.appEdits
        isPublic = try container.decodeIfPresent(Bool.self, forKey: .isPublic) ?? defaults.isPublic
        automatic = try container.decodeIfPresent(Bool.self, forKey: .automatic) ?? defaults.automatic
    }

    /// The name of shard `index`: "All my tracks", then "All my tracks (2)", "(3)", …
    public func shardName(_ index: Int) -> String { index == 0 ? name : "\(name) (\(index + 1))" }

    var planOptions: UnifiedPlan.Options {
        var options = UnifiedPlan.Options()
        options.level = match
        options.includeEpisodes = includeEpisodes
        options.propagateRemovals = propagateRemovals
        options.personRemovalsStick = appEdits == .keep
        return options
    }
}

/// What Playkeeper knows about the unified playlist it manages.
public struct UnifiedState: Codable, Sendable, Equatable {
    public struct Shard: Codable, Sendable, Equatable {
        public var spotifyID: String
        /// The URIs Playkeeper last wrote there, without songs the person added themselves. Songs missing
        /// from the playlist but listed here were removed by the person.
        public var lastWritten: [String]
        /// The snapshot after Playkeeper's last write: when it moved, the playlist was edited in the app.
        public var snapshotID: String?
    }

    public var shards: [Shard] = []
    /// The name Playkeeper last gave the playlist: when the setting changes, the shards are renamed.
    public var name: String?
    /// Songs the person removed in the app, which stay out while `appEdits` is `keep`.
    public var remembered: [String] = []
    /// A digest of the settings and the sources' snapshots at the last update: the service skips an
    /// update when it has not changed.
    public var sourcesSignature: String?
    public var updatedAt: Date?
    /// A shard being created: saved before `POST /me/playlists`, whose description carries the marker, so that
    /// after an interruption the playlist is found again instead of created twice.
    public var creating: Creation?
    /// The name the shards are being renamed to, saved before the first rename and cleared after the last.
    public var renaming: String?

    /// Whether a run stopped between saving an intent and carrying it out: recovery finishes it.
    public var hasUnfinishedIntent: Bool { creating != nil || renaming != nil }

    public struct Creation: Codable, Sendable, Equatable {
        public var index: Int
        public var marker: String
    }

    public init() {}
}
