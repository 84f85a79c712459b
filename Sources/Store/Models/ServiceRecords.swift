import FluentKit
import Foundation

/// A signed-in browser. The cookie holds a random token; only its SHA-256 is stored.
public final class WebSessionRecord: Model, @unchecked Sendable {
    public static let schema = "web_sessions"

    @ID(key: .id) public var id: UUID?
    @Field(key: "token_hash") public var tokenHash: String
    @Parent(key: "user_id") public var user: UserRecord
    /// The token every state-changing request of this session must carry.
    @Field(key: "csrf_token") public var csrfToken: String
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "expires_at") public var expiresAt: Date

    public init() {}
}

/// A personal API token for scripts (`Authorization: Bearer`). Only its SHA-256 is stored.
public final class APITokenRecord: Model, @unchecked Sendable {
    public static let schema = "api_tokens"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "user_id") public var user: UserRecord
    @Field(key: "name") public var name: String
    @Field(key: "token_hash") public var tokenHash: String
    /// The token's first characters, so a person can tell their tokens apart.
    @Field(key: "prefix") public var prefix: String
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "last_used_at") public var lastUsedAt: Date?

    public init() {}
}

/// A login whose answer came back: its `state`'s digest, kept until the login would have expired so that the
/// same answer is refused a second time. A login that is only started is not stored (its state lives in a
/// sealed cookie of the browser that started it); `verifier` is no longer written.
public final class LoginStateRecord: Model, @unchecked Sendable {
    public static let schema = "login_states"

    @ID(key: .id) public var id: UUID?
    @Field(key: "state_hash") public var stateHash: String
    @OptionalField(key: "verifier") public var sealedVerifier: String?
    @Field(key: "expires_at") public var expiresAt: Date

    public init() {}
}

/// What a job does. The stored text is the raw value.
public enum JobKind: String, Codable, Sendable, CaseIterable {
    /// Renews the person's access token.
    case refresh
    /// Mirrors the library, then updates the unified playlist when its sources changed.
    case sync
    /// Syncs, then updates the unified playlist whatever changed.
    case unify
    /// Collects the person's recent plays into the listening history, then updates the smart playlists whose
    /// result changed (at most every `PLAYKEEPER_SMART_INTERVAL`).
    case plays
    /// Syncs, then updates every smart playlist that is on, whatever changed.
    case smart
}

/// Where a job stands. The stored text is the raw value.
public enum JobStatus: String, Codable, Sendable, CaseIterable {
    case queued, running, succeeded, failed

    /// Queued or running: the job holds its person's pending key.
    public var isPending: Bool { self == .queued || self == .running }
}

/// A scheduled or requested job. Jobs live in the database, so a restart resumes them.
public final class JobRecord: Model, @unchecked Sendable {
    public static let schema = "jobs"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "user_id") public var user: UserRecord
    @Field(key: "kind") public var kind: JobKind
    @Field(key: "status") public var status: JobStatus
    /// `schedule`, `api` or `page`.
    @Field(key: "trigger") public var trigger: String
    @Field(key: "run_after") public var runAfter: Date
    @Field(key: "attempts") public var attempts: Int
    @OptionalField(key: "started_at") public var startedAt: Date?
    @OptionalField(key: "finished_at") public var finishedAt: Date?
    @OptionalField(key: "error") public var error: String?
    /// What the job reported, as JSON.
    @OptionalField(key: "result") public var result: String?
    @Field(key: "created_at") public var createdAt: Date
    /// The instance running it (`host:pid:random`), while it runs.
    @OptionalField(key: "claimed_by") public var claimedBy: String?
    /// Refreshed by the running instance; a running job whose heartbeat is older than the lease is taken over.
    @OptionalField(key: "heartbeat_at") public var heartbeatAt: Date?
    /// `user|kind` while queued or running, nil once finished: unique, one pending job per person and kind.
    @OptionalField(key: "pending_key") public var pendingKey: String?

    public static func pendingKey(user: UUID, kind: JobKind) -> String { "\(user.uuidString)|\(kind.rawValue)" }

    public init() {}
}
