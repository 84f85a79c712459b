import FluentKit

/// 014: the playlists made from listening, one row per person and key (a built-in's, or a rule of their own).
struct CreateSmartPlaylists: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(SmartPlaylistRecord.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("key", .string, .required)
            .field("enabled", .bool, .required)
            .field("settings", .string, .required)
            .field("state", .string, .required)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "user_id", "key", name: "smart_playlists_once")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(SmartPlaylistRecord.schema).delete()
    }
}
