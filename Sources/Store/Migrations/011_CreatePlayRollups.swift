import FluentKit
import Foundation
import SQLKit

/// 011: the listening history's roll-ups, which the statistics read instead of the plays.
///
/// - `play_rollups`: per person, song (with the artist and album its plays name) and day (grain 1), month
///   (grain 2), year (grain 3) and all time (grain 4), the counted plays,
///   skips, time listened and the first and last counted play. A period is read as a few ranges of buckets.
/// - `play_days`: per person and day, the totals and the counted plays of each hour (`h0` … `h23`), for plays per
///   day, the streak and the hour-of-week heat map.
/// - `play_rollup_builds`: the play length from which a play counted when a person's roll-ups were built (a
///   person without a row, history stored before this migration, or with another length is rebuilt), and the days
///   whose roll-ups are still to be rebuilt (an export's import rebuilds them once, at its end).
struct CreatePlayRollups: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // The roll-up tables are derived from the plays and rebuilt from them, a million rows at a time: they keep no
        // foreign key, which both stores would check row by row. The person's row of `play_rollup_builds` does.
        try await Self.createWideRollups(on: database)
        // The statistics read the roll-ups: the plays need no index by track, and each import pays for one.
        try await database.sql().drop(index: "plays_by_track").run()
        var days = database.schema(PlayRollup.daysSchema)
            .field("user_id", .uuid, .required)
            .field("day", .int, .required)
            .field("plays", .int, .required)
            .field("skips", .int, .required)
            .field("listened_ms", .int, .required)
        for hour in 0..<24 { days = days.field(.string("h\(hour)"), .int, .required) }
        try await days.unique(on: "user_id", "day", name: "play_days_once").create()
        try await database.schema(PlayRollup.buildsSchema)
            .field("user_id", .uuid, .identifier(auto: false), .references(UserRecord.schema, .id, onDelete: .cascade))
            .field("minimum_ms", .int, .required)
            .field("dirty_from", .int)
            .field("dirty_to", .int)
            .create()
    }

    /// The roll-ups as this migration made them (013 keys them by integers; its revert makes these again).
    static func createWideRollups(on database: any Database) async throws {
        try await database.schema(PlayRollup.schema)
            .field("user_id", .uuid, .required)
            .field("grain", .int, .required)
            .field("bucket", .int, .required)
            .field("track_key", .string, .required)
            .field("track_uri", .string)
            .field("track_name", .string)
            .field("artist_name", .string)
            .field("album_name", .string)
            .field("plays", .int, .required)
            .field("skips", .int, .required)
            .field("listened_ms", .int, .required)
            .field("first_at", .datetime)
            .field("last_at", .datetime)
            .create()
        // The rows of a bucket are unique by construction (each refresh deletes, then groups, under the person's
        // lock); the index serves the ranges a period reads.
        try await database.sql().create(index: "play_rollups_by_bucket").on(PlayRollup.schema).column("user_id")
            .column("grain").column("bucket").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql().create(index: "plays_by_track").on(PlayRecord.schema).column("user_id").column("track_uri")
            .run()
        try await database.schema(PlayRollup.buildsSchema).delete()
        try await database.schema(PlayRollup.daysSchema).delete()
        try await database.schema(PlayRollup.schema).delete()
    }
}

/// The names of the roll-up tables; they are written and read with SQL only (`Library/History/PlayRollups`).
public enum PlayRollup {
    public static let schema = "play_rollups"
    public static let daysSchema = "play_days"
    public static let buildsSchema = "play_rollup_builds"
    public static let keysSchema = "play_keys"
    /// All time's figures per person and song (track URI), over every name it was played under (016).
    public static let songsSchema = "play_songs"

    /// A roll-up's grain: what its `bucket` counts.
    public enum Grain: Int, Sendable, CaseIterable {
        /// Days since 1970-01-01 (UTC).
        case day = 1
        /// `year * 12 + month - 1`.
        case month = 2
        /// The year.
        case year = 3
        /// All time: one bucket, 0.
        case all = 4
        /// `year * 4 + quarter - 1` (013).
        case quarter = 5
    }
}
