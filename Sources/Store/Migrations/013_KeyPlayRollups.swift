import FluentKit
import Foundation
import SQLKit

/// 013: the roll-ups keyed by integers, so that a period over years groups narrow rows.
///
/// - `play_keys`: per person, each way their plays name a song (its key, URI, name, artist and album), numbered.
///   A roll-up row points at one; names are read only for the rows a list shows.
/// - `play_rollups` again, narrow: per person, grain, bucket and key, the counts; and a grain between months and
///   years, quarters (5), so that a period reads at most three quarters and two months at either end instead of
///   eleven months. On SQLite the table is clustered by (person, grain, bucket, key) (`WITHOUT ROWID`), so a range
///   of buckets is one scan of the rows it needs.
///
/// Everyone's roll-ups are rebuilt at their next read (their build rows are dropped).
struct KeyPlayRollups: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(PlayRollup.keysSchema)
            .field("id", .int64, .identifier(auto: true))
            .field("user_id", .uuid, .required, .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("track_key", .string, .required)
            .field("track_uri", .string)
            .field("track_name", .string)
            .field("artist_name", .string)
            .field("album_name", .string)
            .create()
        try await database.sql().create(index: "play_keys_by_key").on(PlayRollup.keysSchema).column("user_id")
            .column("track_key").run()
        try await database.schema(PlayRollup.schema).delete()
        try await createRollups(on: database)
        try await database.sql().delete(from: PlayRollup.buildsSchema).run()
    }

    private func createRollups(on database: any Database) async throws {
        let sql = try database.sql()
        guard sql.dialect.name == "sqlite" else {
            // PostgreSQL keeps a heap and an index of the ranges (a unique key over the four columns made the
            // rebuild of a million plays' roll-ups a third slower).
            try await database.schema(PlayRollup.schema)
                .field("user_id", .uuid, .required)
                .field("grain", .int, .required)
                .field("bucket", .int, .required)
                .field("key_id", .int64, .required)
                .field("plays", .int, .required)
                .field("skips", .int, .required)
                .field("listened_ms", .int, .required)
                .field("first_at", .datetime)
                .field("last_at", .datetime)
                .create()
            try await sql.create(index: "play_rollups_by_bucket").on(PlayRollup.schema).column("user_id")
                .column("grain").column("bucket").run()
            return
        }
        // The column types Fluent gives these fields on SQLite, and a table clustered by its key.
        try await sql.raw(
            """
            CREATE TABLE \(ident: PlayRollup.schema) ("user_id" UUID NOT NULL, "grain" INTEGER NOT NULL, \
            "bucket" INTEGER NOT NULL, "key_id" INTEGER NOT NULL, "plays" INTEGER NOT NULL, "skips" INTEGER NOT NULL, \
            "listened_ms" INTEGER NOT NULL, "first_at" REAL, "last_at" REAL, \
            PRIMARY KEY ("user_id", "grain", "bucket", "key_id")) WITHOUT ROWID
            """
        ).run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(PlayRollup.schema).delete()
        try await database.schema(PlayRollup.keysSchema).delete()
        try await database.sql().delete(from: PlayRollup.buildsSchema).run()
        try await CreatePlayRollups.createWideRollups(on: database)
    }
}
