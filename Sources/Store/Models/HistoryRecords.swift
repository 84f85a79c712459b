import FluentKit
import Foundation

/// One version of a playlist, with what changed against the version before.
public final class PlaylistVersionRecord: Model, @unchecked Sendable {
    public static let schema = "playlist_versions"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "playlist_id") public var playlist: PlaylistRecord
    @OptionalField(key: "snapshot_id") public var snapshotID: String?
    @Field(key: "seen_at") public var seenAt: Date
    @Field(key: "entry_count") public var entryCount: Int
    /// URIs added, JSON-encoded (a URI added twice appears twice).
    @Field(key: "added") public var added: String
    /// URIs removed, JSON-encoded.
    @Field(key: "removed") public var removed: String

    public init() {}
}

/// Where a sync run stands. The stored text is the raw value.
public enum SyncRunStatus: String, Codable, Sendable, CaseIterable {
    case running, succeeded, failed
    /// Left running by a process that stopped; found so by the next sync of the person.
    case interrupted
}

/// One sync of one user.
public final class SyncRunRecord: Model, @unchecked Sendable {
    public static let schema = "sync_runs"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "user_id") public var user: UserRecord
    @Field(key: "started_at") public var startedAt: Date
    @OptionalField(key: "finished_at") public var finishedAt: Date?
    @Field(key: "status") public var status: SyncRunStatus
    @OptionalField(key: "error") public var error: String?
    @Field(key: "api_calls") public var apiCalls: Int
    @Field(key: "retries") public var retries: Int
    @Field(key: "rereads") public var rereads: Int
    @Field(key: "playlists_changed") public var playlistsChanged: Int
    @Field(key: "playlists_unchanged") public var playlistsUnchanged: Int
    @Field(key: "entries_written") public var entriesWritten: Int

    public init() {}
}

/// A named lock with an expiry, shared by every process using the store: the refresh lock and job leases.
public final class LockRecord: Model, @unchecked Sendable {
    public static let schema = "locks"

    @ID(custom: "name", generatedBy: .user) public var id: String?
    @Field(key: "holder") public var holder: String
    /// Seconds since 1970, stored as a number so that both stores compare it the same way.
    @Field(key: "expires_at") public var expiresAt: Double

    public init() {}
}
