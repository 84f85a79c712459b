import FluentKit
import SQLKit

/// 003: playlist versions, sync runs and the shared locks.
struct CreateHistory: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(PlaylistVersionRecord.schema)
            .id()
            .field("playlist_id", .uuid, .required, .references(PlaylistRecord.schema, .id, onDelete: .cascade))
            .field("snapshot_id", .string)
            .field("seen_at", .datetime, .required)
            .field("entry_count", .int, .required)
            .field("added", .string, .required)
            .field("removed", .string, .required)
            .create()
        try await database.schema(SyncRunRecord.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("started_at", .datetime, .required)
            .field("finished_at", .datetime)
            .field("status", .string, .required)
            .field("error", .string)
            .field("api_calls", .int, .required)
            .field("retries", .int, .required)
            .field("rereads", .int, .required)
            .field("playlists_changed", .int, .required)
            .field("playlists_unchanged", .int, .required)
            .field("entries_written", .int, .required)
            .create()
        try await database.schema(LockRecord.schema)
            .field("name", .string, .identifier(auto: false))
            .field("holder", .string, .required)
            .field("expires_at", .double, .required)
            .create()
        let sql = try database.sql()
        try await sql.create(index: "playlist_versions_playlist").on(PlaylistVersionRecord.schema).column("playlist_id").column(
            "seen_at"
        ).run()
        try await sql.create(index: "sync_runs_user").on(SyncRunRecord.schema).column("user_id").column("started_at").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(LockRecord.schema).delete()
        try await database.schema(SyncRunRecord.schema).delete()
        try await database.schema(PlaylistVersionRecord.schema).delete()
    }
}
