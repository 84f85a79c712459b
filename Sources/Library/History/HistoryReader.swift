import FluentKit
import Foundation
import SQLKit
import Store

/// Reads a person's statistics from the history's roll-ups (`PlayRollups`): a period is a few ranges of day,
/// month, quarter and year buckets, so that a top list or a summary over years of plays groups thousands of
/// rows, not millions. `ListeningStats` holds the same arithmetic done on plays; the tests hold the two equal.
public struct HistoryReader: Sendable {
    public let database: any Database
    public let user: UserRecord
    /// The play length from which a play counts (`PLAYKEEPER_COUNTS_AFTER`).
    public let minimumMS: Int

    public init(database: any Database, user: UserRecord, minimumMS: Int = ListeningStats.defaultMinimumMS) {
        self.database = database
        self.user = user
        self.minimumMS = minimumMS
    }

    /// The top `limit` of a kind in a period, most played (or longest listened) first; ties go to the earlier first
    /// play, then to the key.
    public func top(_ kind: ListeningStats.Kind, by order: ListeningStats.Order, limit: Int, in period: ListeningPeriod)
        async throws -> [ListeningStats.Entry]
    {
        struct Row: Decodable {
            var key: String
            var name: String?
            var artist: String?
            var plays: Int
            var listened_ms: Int
            var first_at: Date
            var last_at: Date
        }
        let sql = try await prepared()
        let expressions = PlayRollups.Expressions(sql.dialect.name)
        let sep = expressions.separator
        // Where a song's plays name it differently, the greatest name (by bytes) stands for it, as in `ListeningStats`.
        let most = { (column: String) in "MAX(\(column) \(expressions.bytewise))" }
        let (key, name, artist, present): (String, String, String, String) =
            switch kind {
            case .tracks: ("track_key", most("track_name"), most("artist_name"), "1 = 1")
            case .artists: ("artist_name", most("artist_name"), "NULL", "artist_name IS NOT NULL")
            case .albums:
                (
                    "album_name || \(sep) || COALESCE(artist_name, '')", most("album_name"), most("artist_name"),
                    "album_name IS NOT NULL"
                )
            }
        let measure = order == .plays ? "SUM(plays)" : "SUM(listened_ms)"
        let rows = try await sql.raw(
            """
            SELECT \(unsafeRaw: key) AS key, \(unsafeRaw: name) AS name, \(unsafeRaw: artist) AS artist, \
            CAST(SUM(plays) AS BIGINT) AS plays, CAST(SUM(listened_ms) AS BIGINT) AS listened_ms, \
            MIN(first_at) AS first_at, MAX(last_at) AS last_at \
            FROM \(try rows(period)) WHERE \(unsafeRaw: present) \
            GROUP BY \(unsafeRaw: key) HAVING SUM(plays) > 0 \
            ORDER BY \(unsafeRaw: measure) DESC, MIN(first_at), (\(unsafeRaw: key)) \(unsafeRaw: expressions.bytewise) \
            LIMIT \(literal: max(0, limit))
            """
        ).all(decoding: Row.self)
        return rows.map { row in
            ListeningStats.Entry(
                key: row.key, name: row.name ?? row.key, artist: row.artist, plays: row.plays, listenedMS: row.listened_ms,
                firstPlayed: row.first_at, lastPlayed: row.last_at)
        }
    }

    /// A period's totals: per day and hour from `play_days`, distinct songs and artists and the songs first heard
    /// in it from the roll-ups.
    public func summary(in period: ListeningPeriod) async throws -> ListeningStats.Summary {
        struct Count: Decodable { var count: Int }
        let sql = try await prepared()
        let userID = try user.requireID()
        var totals = ListeningStats.Totals()
        var days: SQLQueryString = "user_id = "
        days.appendInterpolation(bind: userID)
        if let from = period.fromDay { days.appendInterpolation(unsafeRaw: " AND day >= \(from)") }
        if let to = period.toDay { days.appendInterpolation(unsafeRaw: " AND day < \(to)") }
        // The hour-of-week map and the totals, summed by weekday (1970-01-01 was a Thursday).
        let hours = (0..<24).map { "CAST(SUM(h\($0)) AS BIGINT) AS h\($0)" }.joined(separator: ", ")
        for row in try await sql.raw(
            """
            SELECT (day + 3) % 7 AS weekday, CAST(SUM(plays) AS BIGINT) AS plays, CAST(SUM(skips) AS BIGINT) AS skips, \
            CAST(SUM(listened_ms) AS BIGINT) AS listened_ms, \(unsafeRaw: hours) \
            FROM \(ident: PlayRollup.daysSchema) WHERE \(days) GROUP BY (day + 3) % 7
            """
        ).all() {
            let weekday = try row.decode(column: "weekday", as: Int.self)
            totals.plays += try row.decode(column: "plays", as: Int.self)
            totals.skips += try row.decode(column: "skips", as: Int.self)
            totals.listenedMS += try row.decode(column: "listened_ms", as: Int.self)
            for hour in 0..<24 { totals.hourOfWeek[weekday][hour] = try row.decode(column: "h\(hour)", as: Int.self) }
        }
        for row in try await sql.raw(
            "SELECT day, plays FROM \(ident: PlayRollup.daysSchema) WHERE \(days) AND plays > 0"
        ).all() {
            totals.perDay[try row.decode(column: "day", as: Int.self)] = try row.decode(column: "plays", as: Int.self)
        }
        // A song or artist counts when one of the names it was played under has a counted play (plays are never
        // negative), so both are counted in one pass over the period's keys.
        struct Distinct: Decodable {
            var tracks: Int
            var artists: Int
        }
        let distinct = try await sql.raw(
            """
            SELECT COUNT(DISTINCT CASE WHEN plays > 0 THEN track_key END) AS tracks, \
            COUNT(DISTINCT CASE WHEN plays > 0 THEN artist_name END) AS artists FROM \(try rows(period))
            """
        ).first(decoding: Distinct.self)
        let (tracks, artists) = (distinct?.tracks ?? 0, distinct?.artists ?? 0)
        // A song is new in the period when its first counted play of all is in it.
        let from = period.fromDay.map(RollupRanges.date(ofDay:)) ?? .distantPast
        let to = period.toDay.map(RollupRanges.date(ofDay:)) ?? .distantFuture
        let new =
            try await sql.raw(
                """
                SELECT COUNT(*) AS count FROM (SELECT k.track_key, MIN(r.first_at) AS first_at \
                FROM \(ident: PlayRollup.schema) r JOIN \(ident: PlayRollup.keysSchema) k ON k.id = r.key_id \
                WHERE r.user_id = \(bind: userID) AND r.grain = \(literal: PlayRollup.Grain.all.rawValue) \
                GROUP BY k.track_key) t WHERE first_at >= \(bind: from) AND first_at < \(bind: to)
                """
            ).first(decoding: Count.self)?.count ?? 0
        return ListeningStats.summary(totals: totals, distinctTracks: tracks, distinctArtists: artists, newTracks: new)
    }

    /// What the history says of the person's own playlists (as `ownPlaylistEntries` reads them): each one's songs
    /// and how many of them had a play, counted or skipped, in `period`, in the playlists' order; and their songs
    /// never played, each once (where it was added first), in the order they were added. What
    /// `PlaylistListening.coverage` and `neverPlayed` compute, done in the database, which returns only the answer.
    public func playlistListening(in period: ListeningPeriod) async throws -> (
        coverage: [PlaylistListening.Coverage], neverPlayed: [PlaylistListening.NeverPlayed]
    ) {
        let sql = try await prepared()
        let userID = try user.requireID()
        var own: SQLQueryString = "pl.user_id = "
        own.appendInterpolation(bind: userID)
        own.appendLiteral(" AND pl.owner_id = ")
        own.appendInterpolation(bind: user.spotifyID)
        own.appendLiteral(" AND pl.is_liked = ")
        own.appendInterpolation(bind: false)
        own.appendLiteral(" AND pl.gone_at IS NULL AND e.uri LIKE 'spotify:track:%'")
        // The period's songs as a set read once (a hashed subplan on PostgreSQL, a temporary index on SQLite): a join
        // against them let PostgreSQL, whose sizes of freshly synced playlists were stale, read them once per entry.
        let coverage = try await sql.raw(
            """
            SELECT pl.spotify_id AS id, MAX(pl.name) AS name, COUNT(DISTINCT e.uri) AS songs, \
            COUNT(DISTINCT CASE WHEN e.uri IN (SELECT track_uri FROM \(try rows(period)) WHERE track_uri IS NOT NULL) \
            THEN e.uri END) AS played \
            FROM \(ident: EntryRecord.schema) e JOIN \(ident: PlaylistRecord.schema) pl ON pl.id = e.playlist_id \
            WHERE \(own) \
            GROUP BY pl.id, pl.spotify_id, pl.list_position ORDER BY pl.list_position
            """
        ).all(decoding: PlaylistListening.Coverage.self)
        // Every song played since the history began has a key: keys are made from plays, which stay.
        struct Never: Decodable {
            var uri: String
            var track_name: String?
            var playlist_name: String
            var added_at: Date?
        }
        let bytewise = PlayRollups.Expressions(sql.dialect.name).bytewise
        let never = try await sql.raw(
            """
            SELECT e.uri, c.name AS track_name, pl.name AS playlist_name, e.added_at \
            FROM \(ident: EntryRecord.schema) e JOIN \(ident: PlaylistRecord.schema) pl ON pl.id = e.playlist_id \
            LEFT JOIN \(ident: CatalogItemRecord.schema) c ON c.uri = e.uri WHERE \(own) \
            AND NOT EXISTS (SELECT 1 FROM \(ident: PlayRollup.keysSchema) k WHERE k.user_id = \(bind: userID) \
            AND k.track_key = e.uri) \
            ORDER BY CASE WHEN e.added_at IS NULL THEN 0 ELSE 1 END, e.added_at, e.uri \(unsafeRaw: bytewise), \
            pl.list_position, e.position
            """
        ).all(decoding: Never.self)
        var seen = Set<String>()
        let neverPlayed = never.compactMap { row -> PlaylistListening.NeverPlayed? in
            guard seen.insert(row.uri).inserted else { return nil }
            return .init(uri: row.uri, name: row.track_name, playlist: row.playlist_name, addedAt: row.added_at)
        }
        return (coverage, neverPlayed)
    }

    /// The songs of the person's own playlists (not Liked Songs, not playlists gone from the library).
    public func ownPlaylistEntries() async throws -> [PlaylistListening.Entry] {
        struct Row: Decodable {
            var uri: String
            var added_at: Date?
            var spotify_id: String
            var playlist_name: String
            var track_name: String?
        }
        let rows = try await database.sql().select()
            .column(SQLColumn("uri", table: EntryRecord.schema)).column(SQLColumn("added_at", table: EntryRecord.schema))
            .column(SQLColumn("spotify_id", table: PlaylistRecord.schema))
            .column(SQLColumn("name", table: PlaylistRecord.schema), as: "playlist_name")
            .column(SQLColumn("name", table: CatalogItemRecord.schema), as: "track_name")
            .from(EntryRecord.schema)
            .join(
                PlaylistRecord.schema, on: SQLColumn("id", table: PlaylistRecord.schema), .equal,
                SQLColumn("playlist_id", table: EntryRecord.schema)
            )
            .join(
                CatalogItemRecord.schema, method: SQLJoinMethod.left, on: SQLColumn("uri", table: CatalogItemRecord.schema),
                .equal, SQLColumn("uri", table: EntryRecord.schema)
            )
            .where(SQLColumn("user_id", table: PlaylistRecord.schema), .equal, SQLBind(try user.requireID()))
            .where(SQLColumn("owner_id", table: PlaylistRecord.schema), .equal, SQLBind(user.spotifyID))
            .where(SQLColumn("is_liked", table: PlaylistRecord.schema), .equal, SQLBind(false))
            .where(SQLColumn("gone_at", table: PlaylistRecord.schema), .is, SQLLiteral.null)
            .where(SQLColumn("uri", table: EntryRecord.schema), .like, SQLBind("spotify:track:%"))
            .orderBy(SQLColumn("list_position", table: PlaylistRecord.schema)).orderBy(
                SQLColumn("position", table: EntryRecord.schema)
            )
            .all(decoding: Row.self)
        return rows.map {
            PlaylistListening.Entry(
                playlistID: $0.spotify_id, playlistName: $0.playlist_name, uri: $0.uri, trackName: $0.track_name,
                addedAt: $0.added_at)
        }
    }

    /// When the history begins: its first play.
    public func firstPlay() async throws -> Date? {
        try await PlayRecord.query(on: database).filter(\.$user.$id == user.requireID()).sort(\.$playedAt).first()?.playedAt
    }

    /// The calendar years (UTC) a history that begins at `first` covers up to `now`; nil for an empty history.
    public static func years(from first: Date?, to now: Date) -> ClosedRange<Int>? {
        guard let first else { return nil }
        let (from, to) = (
            RollupRanges.civil(RollupRanges.day(of: first)).year, RollupRanges.civil(RollupRanges.day(of: now)).year
        )
        return min(from, to)...max(from, to)
    }

    /// The SQL database, with the person's roll-ups built for this play length.
    func prepared() async throws -> any SQLDatabase {
        try await PlayRollups(userID: try user.requireID(), minimumMS: minimumMS).ensureBuilt(on: database)
        return try database.sql()
    }

    /// A period's counts per key (`t`) with the key's names (`k`): its buckets, as few as cover it, one indexed
    /// range each (a query with the ranges joined by OR would read all of the person's rows), summed by key before
    /// any name is read.
    func rows(_ period: ListeningPeriod) throws -> SQLQueryString {
        let ranges =
            period.fromDay == nil && period.toDay == nil
            ? [RollupRanges.Range(grain: .all, lower: nil, upper: nil)]
            : RollupRanges.split(fromDay: period.fromDay, toDay: period.toDay)
        let userID = try user.requireID()
        let select = "SELECT key_id, plays, skips, listened_ms, first_at, last_at FROM \"\(PlayRollup.schema)\""
        // One bucket (all time, a calendar year, a quarter, a month or a day) is a row a key: read as it is, with
        // nothing to sum.
        if ranges.count == 1, let bucket = ranges[0].single {
            var text: SQLQueryString = "(\(unsafeRaw: select) WHERE user_id = \(bind: userID)"
            text.appendInterpolation(
                unsafeRaw:
                    " AND grain = \(ranges[0].grain.rawValue) AND bucket = \(bucket)) t JOIN \"\(PlayRollup.keysSchema)\" k ON k.id = t.key_id"
            )
            return text
        }
        var text: SQLQueryString = """
            (SELECT key_id, SUM(plays) AS plays, SUM(skips) AS skips, SUM(listened_ms) AS listened_ms, \
            MIN(first_at) AS first_at, MAX(last_at) AS last_at FROM (
            """
        for (index, range) in ranges.enumerated() {
            if index > 0 { text.appendLiteral(" UNION ALL ") }
            text.appendInterpolation(unsafeRaw: "\(select) WHERE user_id = ")
            text.appendInterpolation(bind: userID)
            text.appendInterpolation(unsafeRaw: " AND grain = \(range.grain.rawValue)")
            // All time has one bucket; naming it lets SQLite read the keys in order instead of sorting them.
            if range.grain == .all { text.appendInterpolation(unsafeRaw: " AND bucket = 0") }
            if let lower = range.lower { text.appendInterpolation(unsafeRaw: " AND bucket >= \(lower)") }
            if let upper = range.upper { text.appendInterpolation(unsafeRaw: " AND bucket < \(upper)") }
        }
        if ranges.isEmpty { text.appendInterpolation(unsafeRaw: "\(select) WHERE 1 = 0") }
        text.appendInterpolation(
            unsafeRaw: ") r GROUP BY key_id) t JOIN \"\(PlayRollup.keysSchema)\" k ON k.id = t.key_id")
        return text
    }
}
