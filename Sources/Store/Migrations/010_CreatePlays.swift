import FluentKit
import Foundation
import SQLKit

/// 010: the listening history (one row per play, unique per person and `played_at`) and its known gaps.
struct CreatePlays: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(PlayRecord.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("played_at", .datetime, .required)
            .field("track_uri", .string)
            .field("track_name", .string)
            .field("artist_name", .string)
            .field("album_name", .string)
            .field("ms_played", .int)
            .field("context_type", .string)
            .field("context_uri", .string)
            .field("source", .string, .required)
            .field("raw", .string, .required)
            .unique(on: "user_id", "played_at", name: "plays_once")
            .create()
        try await database.sql().create(index: "plays_by_track").on(PlayRecord.schema).column("user_id").column("track_uri")
            .run()
        try await database.schema(PlayGapRecord.schema)
            .id()
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("starts_at", .datetime, .required)
            .field("ends_at", .datetime, .required)
            .field("detected_at", .datetime, .required)
            .field("filled_at", .datetime)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(PlayGapRecord.schema).delete()
        try await database.sql().drop(index: "plays_by_track").run()
        try await database.schema(PlayRecord.schema).delete()
    }
}
