import FluentKit

/// 006: the unified playlist's settings and state, one row per user.
struct CreateUnified: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(UnifiedConfigRecord.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("settings", .string, .required)
            .field("state", .string, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "user_id")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(UnifiedConfigRecord.schema).delete()
    }
}
