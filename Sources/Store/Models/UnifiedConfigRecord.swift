import FluentKit
import Foundation

/// A user's unified playlist: the settings they chose, and what Playkeeper last wrote to its shards.
///
/// Both are JSON documents (`UnifiedSettings` and `UnifiedState` in the Library module), so that a new
/// option does not need a migration.
public final class UnifiedConfigRecord: Model, @unchecked Sendable {
    public static let schema = "unified_configs"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "user_id") public var user: UserRecord
    @Field(key: "settings") public var settings: String
    @Field(key: "state") public var state: String
    @Field(key: "updated_at") public var updatedAt: Date

    public init() {}
}
