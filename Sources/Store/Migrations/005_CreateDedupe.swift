import FluentKit
import SQLKit

/// 005: duplicate plans, the journal of changes, and the "not a duplicate" list.
struct CreateDedupe: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(PlanRecord.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("playlist_id", .uuid, .required, .references(PlaylistRecord.schema, .id, onDelete: .cascade))
            .field("snapshot_id", .string)
            .field("match_level", .string, .required)
            .field("keep_policy", .string, .required)
            .field("body", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema(JournalRecord.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("playlist_id", .uuid, .required, .references(PlaylistRecord.schema, .id, onDelete: .cascade))
            .field("kind", .string, .required)
            .field("status", .string, .required)
            .field("plan_id", .uuid)
            .field("undoes", .uuid)
            .field("snapshot_before", .string)
            .field("snapshot_after", .string)
            .field("entries_before", .string, .required)
            .field("operations", .string, .required)
            .field("progress", .int, .required)
            .field("error", .string)
            .field("created_at", .datetime, .required)
            .field("finished_at", .datetime)
            .create()
        try await database.schema(IgnoredPairRecord.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("first_uri", .string, .required)
            .field("second_uri", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "user_id", "first_uri", "second_uri")
            .create()
        let sql = try database.sql()
        try await sql.create(index: "journal_user").on(JournalRecord.schema).column("user_id").column("created_at").run()
        try await sql.create(index: "plans_user").on(PlanRecord.schema).column("user_id").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(IgnoredPairRecord.schema).delete()
        try await database.schema(JournalRecord.schema).delete()
        try await database.schema(PlanRecord.schema).delete()
    }
}
