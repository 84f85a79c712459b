import FluentKit
import Foundation

/// A duplicates preview, stored so that it can be applied later by id, whole or by group.
public final class PlanRecord: Model, @unchecked Sendable {
    public static let schema = "plans"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "user_id") public var user: UserRecord
    @Parent(key: "playlist_id") public var playlist: PlaylistRecord
    /// The snapshot the plan was computed on; a plan is never applied to another.
    @OptionalField(key: "snapshot_id") public var snapshotID: String?
    @Field(key: "match_level") public var matchLevel: String
    @Field(key: "keep_policy") public var keepPolicy: String
    /// The entries the plan was computed on and its groups, as JSON.
    @Field(key: "body") public var body: String
    @Field(key: "created_at") public var createdAt: Date

    public init() {}
}

/// What a journal entry records.
public enum JournalKind: String, Codable, Sendable, CaseIterable {
    case dedupe, undo, unify
    /// A playlist made from listening, brought to its rule's result.
    case smart

    /// Whether an entry of this kind can be undone (an undo is not undone; run the change again instead).
    public var canBeUndone: Bool { self != .undo }
}

/// Where a journaled change stands. The stored text is the raw value.
public enum JournalStatus: String, Codable, Sendable, CaseIterable {
    /// Journaled, nothing written yet.
    case pending
    /// Writes are being sent; found like this with no process holding the person's lease, it was interrupted.
    case applying
    /// Written and read back as planned.
    case verified
    /// Written, but the read-back differs from the plan.
    case mismatch
    /// A write was refused, so the change stopped.
    case failed
    /// Undone by a later entry.
    case undone
    /// Stopped before its first write (the playlist changed, or the process was interrupted first).
    case abandoned
    /// Interrupted, and the playlist was changed meanwhile in a way neither finishing nor rolling back can
    /// handle safely: left alone for the person to decide.
    case needsAttention = "needs_attention"
    /// Interrupted and rolled back to the journaled original.
    case rolledBack = "rolled_back"

    /// Started and not settled: what recovery looks for.
    public var isOpen: Bool { self == .pending || self == .applying }

    /// Whether `undo` can restore the entries from before this change.
    public var canBeUndone: Bool { [.applying, .verified, .mismatch, .failed, .needsAttention].contains(self) }

    /// The status as people read it.
    public var label: String { rawValue.replacingOccurrences(of: "_", with: " ") }
}

/// One change Playkeeper made (or started to make) to a playlist, written before the first write.
public final class JournalRecord: Model, @unchecked Sendable {
    public static let schema = "journal"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "user_id") public var user: UserRecord
    @Parent(key: "playlist_id") public var playlist: PlaylistRecord
    @Field(key: "kind") public var kind: JournalKind
    @Field(key: "status") public var status: JournalStatus
    @OptionalField(key: "plan_id") public var planID: UUID?
    /// The journal entry this one undoes.
    @OptionalField(key: "undoes") public var undoes: UUID?
    @OptionalField(key: "snapshot_before") public var snapshotBefore: String?
    @OptionalField(key: "snapshot_after") public var snapshotAfter: String?
    /// The whole ordered entry list before the change, with `added_at`, as JSON.
    @Field(key: "entries_before") public var entriesBefore: String
    /// The operations, the expected result and the re-added positions, as JSON.
    @Field(key: "operations") public var operations: String
    /// How many operations were sent.
    @Field(key: "progress") public var progress: Int
    @OptionalField(key: "error") public var error: String?
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "finished_at") public var finishedAt: Date?
    /// What recovery found and did after an interruption ("interrupted after write 3 of 7; finished"), and who
    /// recovered it.
    @OptionalField(key: "recovery") public var recovery: String?
    @OptionalField(key: "recovered_at") public var recoveredAt: Date?

    public init() {}
}

/// A pair of songs a person said is not a duplicate.
public final class IgnoredPairRecord: Model, @unchecked Sendable {
    public static let schema = "ignored_pairs"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "user_id") public var user: UserRecord
    @Field(key: "first_uri") public var firstURI: String
    @Field(key: "second_uri") public var secondURI: String
    @Field(key: "created_at") public var createdAt: Date

    public init() {}
}
