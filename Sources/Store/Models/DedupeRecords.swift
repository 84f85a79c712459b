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

/// One change Playkeeper made (or started to make) to a playlist, written before the first write.
public final class JournalRecord: Model, @unchecked Sendable {
    public static let schema = "journal"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "user_id") public var user: UserRecord
    @Parent(key: "playlist_id") public var playlist: PlaylistRecord
    /// `dedupe`, `undo` or `unify`.
    @Field(key: "kind") public var kind: String
    /// `pending` (journaled, nothing written), `applying`, `verified`, `mismatch`, `failed`, `undone`, `abandoned`.
    @Field(key: "status") public var status: String
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
