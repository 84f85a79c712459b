import FluentKit
import Foundation
import SQLKit

/// 016: all time's figures per song (`play_songs`): per person and track URI, the plays, skips, time listened and
/// first and last counted plays, summed over every name the song was played under. All time's roll-up rows are per
/// name (`play_keys`), so a rule over all time grouped a person's 50,000 rows by URI at every evaluation; this is
/// that grouping kept, refreshed for the songs a refresh touches (`PlayRollups`). Filled here from the roll-ups
/// built so far (those rebuilt later refill it).
struct CreatePlaySongs: AsyncMigration {
    func prepare(on database: any Database) async throws {
        let sql = try database.sql()
        let postgres = sql.dialect.name == "postgresql"
        let (integer, date) = postgres ? ("BIGINT", "TIMESTAMPTZ") : ("INTEGER", "REAL")
        // Clustered by person and song on SQLite (`WITHOUT ROWID`): a person's songs are one range of the table.
        try await sql.raw(
            """
            CREATE TABLE \(ident: PlayRollup.songsSchema) ("user_id" UUID NOT NULL \
            REFERENCES \(ident: UserRecord.schema) ("id") ON DELETE CASCADE, "track_uri" TEXT NOT NULL, \
            "plays" \(unsafeRaw: integer) NOT NULL, "skips" \(unsafeRaw: integer) NOT NULL, \
            "listened_ms" \(unsafeRaw: integer) NOT NULL, "first_at" \(unsafeRaw: date), "last_at" \(unsafeRaw: date), \
            PRIMARY KEY ("user_id", "track_uri"))\(unsafeRaw: postgres ? "" : " WITHOUT ROWID")
            """
        ).run()
        try await sql.raw(
            """
            INSERT INTO \(ident: PlayRollup.songsSchema) (user_id, track_uri, plays, skips, listened_ms, first_at, \
            last_at) SELECT t.user_id, k.track_uri, SUM(t.plays), SUM(t.skips), SUM(t.listened_ms), MIN(t.first_at), \
            MAX(t.last_at) FROM \(ident: PlayRollup.schema) t JOIN \(ident: PlayRollup.keysSchema) k ON k.id = t.key_id \
            WHERE t.grain = \(literal: PlayRollup.Grain.all.rawValue) AND t.bucket = 0 \
            AND k.track_uri LIKE 'spotify:track:%' GROUP BY t.user_id, k.track_uri
            """
        ).run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(PlayRollup.songsSchema).delete()
    }
}
