import Foundation

/// What an update of the unified playlist did, or would do in a preview.
public struct UnifiedReport: Codable, Sendable, Equatable {
    public struct Shard: Codable, Sendable, Equatable {
        public var index: Int
        public var name: String
        /// `nil` in a preview of a shard that does not exist yet.
        public var spotifyID: String?
        public var create: Bool
        /// Entries it holds after the update.
        public var entries: Int
        public var removed: [String]
        public var added: Int
        /// API calls: one per batch of 100, plus one for a create.
        public var calls: Int
        public var journalID: UUID?
        /// `verified`, `mismatch` or `failed` after writes; `nil` when nothing was written.
        public var status: String?
    }

    public struct Source: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var entries: Int
    }

    public struct Skipped: Codable, Sendable, Equatable {
        public var uri: String?
        public var playlist: String
        /// `local file` or `unavailable`.
        public var reason: String
    }

    /// `preview`, `unchanged`, `updated` or `mismatch`.
    public var status: String
    public var settings: UnifiedSettings
    public var songs: Int
    public var sources: [Source]
    public var shards: [Shard]
    /// API calls made (or, in a preview, planned). The plan is the minimum: removals by URI, additions
    /// appended in batches of 100, nothing rewritten.
    public var writes: Int
    public var skipped: [Skipped]
    /// Songs kept out because the person removed them in the app.
    public var personRemoved: Int
    /// Songs put back because the policy restores Playkeeper's list.
    public var restored: Int
    /// What happened, in sentences: recreation, edits found in the app, what the policy did.
    public var notes: [String]
    /// When Playkeeper last updated the playlist (this update, once it is done).
    public var lastUpdatedAt: Date?
}
