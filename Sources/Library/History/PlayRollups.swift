import FluentKit
import Foundation
import SQLKit
import Store

/// Keeps a person's roll-ups (`play_rollups`, `play_days`) equal to what their plays say, with SQL that groups in
/// the database. Every write of plays refreshes the days it touched, in the same transaction; the months and
/// years over those days are then rebuilt from the day rows. The statistics read only the roll-ups.
///
/// A play counts from `minimumMS` of `ms_played` (a polled play, which has none, counts); plays that do not count
/// are skips. Only songs are rolled up: a `spotify:track:` URI, or a name without a URI (an account-data record
/// that no track matched).
public struct PlayRollups: Sendable {
    public let userID: UUID
    public let minimumMS: Int

    public init(userID: UUID, minimumMS: Int) {
        self.userID = userID
        self.minimumMS = minimumMS
    }

    /// Rebuilds the roll-ups of the days from `first` to `last` (both included), and the months and years over them
    /// and all time.
    public func refresh(from first: Date, through last: Date, on database: any Database) async throws {
        let sql = try database.sql()
        try await lock(on: sql)
        let (firstDay, lastDay) = (RollupRanges.day(of: first), RollupRanges.day(of: last))
        // The largest key id so far: the keys these days add come after it.
        let lastKey =
            try await sql.raw("SELECT MAX(id) AS id FROM \(ident: PlayRollup.keysSchema)").first()?
            .decode(column: "id", as: Int?.self) ?? 0
        // Sixty days at a time: the database groups a bounded number of plays in memory, whatever the range.
        for chunk in stride(from: firstDay, through: lastDay, by: Self.daysPerStatement) {
            try await refreshDays(chunk...min(lastDay, chunk + Self.daysPerStatement - 1), on: sql)
        }
        // After many days (an import's settle, a rebuild), PostgreSQL plans the statements over all time and the new
        // songs with the sizes it sampled before; it picked nested loops over tens of thousands of rows.
        if lastDay - firstDay >= Self.daysPerStatement { try await analyze(on: sql) }
        // Songs played for the first time: their entries in the mirror are played now.
        try await EntryRecord.markPlayed(userID: userID, keysAfter: lastKey, on: sql)
        try await regroup(days: firstDay...lastDay, on: sql)
    }

    static let daysPerStatement = 60

    /// Rebuilds the day rows and `play_days` of `days` from the plays.
    private func refreshDays(_ days: ClosedRange<Int>, on sql: any SQLDatabase) async throws {
        let expressions = Expressions(sql.dialect.name)
        let (firstDay, lastDay) = (days.lowerBound, days.upperBound)
        let (start, end) = (RollupRanges.date(ofDay: firstDay), RollupRanges.date(ofDay: lastDay + 1))
        try await delete(grain: .day, from: firstDay, to: lastDay + 1, on: sql)
        try await sql.raw(
            """
            DELETE FROM \(ident: PlayRollup.daysSchema) WHERE user_id = \(bind: userID) \
            AND day >= \(literal: firstDay) AND day < \(literal: lastDay + 1)
            """
        ).run()
        let counted = "(p.ms_played IS NULL OR p.ms_played >= \(minimumMS))"
        let day = expressions.day("p.played_at")
        // A polled play has no length: it stands for the track's, looked up only for such plays.
        let listened =
            "COALESCE(p.ms_played, (SELECT c.duration_ms FROM \"\(CatalogItemRecord.schema)\" c WHERE c.uri = p.track_uri), 0)"
        let songs: SQLQueryString = """
            FROM \(ident: PlayRecord.schema) p WHERE p.user_id = \(bind: userID) AND p.played_at >= \(bind: start) \
            AND p.played_at < \(bind: end) AND \(unsafeRaw: Self.isSong)
            """
        // Number the ways these days' plays name a song that are new, then count by day and number.
        try await sql.raw(
            """
            INSERT INTO \(ident: PlayRollup.keysSchema) (user_id, track_key, track_uri, track_name, artist_name, \
            album_name) SELECT DISTINCT p.user_id, \(unsafeRaw: expressions.trackKey), p.track_uri, p.track_name, \
            p.artist_name, p.album_name \(songs) \
            AND NOT EXISTS (SELECT 1 FROM \(ident: PlayRollup.keysSchema) k WHERE \(unsafeRaw: expressions.keyMatch))
            """
        ).run()
        try await sql.raw(
            """
            INSERT INTO \(ident: PlayRollup.schema) (user_id, grain, bucket, key_id, plays, skips, listened_ms, \
            first_at, last_at) \
            SELECT p.user_id, \(literal: PlayRollup.Grain.day.rawValue), \(unsafeRaw: day), k.id, \
            SUM(CASE WHEN \(unsafeRaw: counted) THEN 1 ELSE 0 END), SUM(CASE WHEN \(unsafeRaw: counted) THEN 0 ELSE 1 END), \
            SUM(CASE WHEN \(unsafeRaw: counted) THEN \(unsafeRaw: listened) ELSE 0 END), \
            MIN(CASE WHEN \(unsafeRaw: counted) THEN p.played_at END), MAX(CASE WHEN \(unsafeRaw: counted) THEN p.played_at END) \
            FROM \(ident: PlayRecord.schema) p \
            JOIN \(ident: PlayRollup.keysSchema) k ON \(unsafeRaw: expressions.keyMatch) \
            WHERE p.user_id = \(bind: userID) AND p.played_at >= \(bind: start) AND p.played_at < \(bind: end) \
            AND \(unsafeRaw: Self.isSong) \
            GROUP BY p.user_id, \(unsafeRaw: day), k.id
            """
        ).run()
        // Per day and hour first, then the day's row: 24 columns made from at most 24 rows a day, not every play.
        let hour = expressions.hourOfDay("p.played_at")
        let hours = (0..<24).map { "SUM(CASE WHEN h.hour = \($0) THEN h.plays ELSE 0 END)" }
        try await sql.raw(
            """
            INSERT INTO \(ident: PlayRollup.daysSchema) (user_id, day, plays, skips, listened_ms, \
            \(unsafeRaw: (0..<24).map { "h\($0)" }.joined(separator: ", "))) \
            SELECT \(bind: userID), h.day, SUM(h.plays), SUM(h.skips), SUM(h.listened_ms), \
            \(unsafeRaw: hours.joined(separator: ", ")) FROM (\
            SELECT \(unsafeRaw: day) AS day, \(unsafeRaw: hour) AS hour, \
            SUM(CASE WHEN \(unsafeRaw: counted) THEN 1 ELSE 0 END) AS plays, \
            SUM(CASE WHEN \(unsafeRaw: counted) THEN 0 ELSE 1 END) AS skips, \
            SUM(CASE WHEN \(unsafeRaw: counted) THEN \(unsafeRaw: listened) ELSE 0 END) AS listened_ms \
            FROM \(ident: PlayRecord.schema) p \
            WHERE p.user_id = \(bind: userID) AND p.played_at >= \(bind: start) AND p.played_at < \(bind: end) \
            AND \(unsafeRaw: Self.isSong) \
            GROUP BY \(unsafeRaw: day), \(unsafeRaw: hour)) h \
            GROUP BY h.day
            """
        ).run()
    }

    /// Marks the days from `first` to `last` for `settle`: an export's import stores its files' plays, and the
    /// roll-ups over all of them are rebuilt once, at its end (or at the next read, if the import was killed).
    /// In the transaction that stores the plays, so that plays are never stored without their mark.
    public func markForSettling(from first: Date, through last: Date, on database: any Database) async throws {
        let (firstDay, lastDay) = (RollupRanges.day(of: first), RollupRanges.day(of: last))
        try await database.sql().raw(
            """
            UPDATE \(ident: PlayRollup.buildsSchema) SET \
            dirty_from = CASE WHEN dirty_from IS NULL OR dirty_from > \(literal: firstDay) THEN \(literal: firstDay) \
            ELSE dirty_from END, \
            dirty_to = CASE WHEN dirty_to IS NULL OR dirty_to < \(literal: lastDay) THEN \(literal: lastDay) \
            ELSE dirty_to END \
            WHERE user_id = \(bind: userID)
            """
        ).run()
    }

    /// Regroups the months, quarters and years over `days`, and all time, from the finer rows.
    func regroup(days: ClosedRange<Int>, on sql: any SQLDatabase) async throws {
        let (firstMonth, lastMonth) = (RollupRanges.month(ofDay: days.lowerBound), RollupRanges.month(ofDay: days.upperBound))
        for month in firstMonth...lastMonth {
            try await regroup(
                into: .month, bucket: month, from: .day, RollupRanges.firstDay(ofMonth: month),
                RollupRanges.firstDay(ofMonth: month + 1), on: sql)
        }
        for quarter in (firstMonth / 3)...(lastMonth / 3) {
            try await regroup(into: .quarter, bucket: quarter, from: .month, quarter * 3, quarter * 3 + 3, on: sql)
        }
        for year in (firstMonth / 12)...(lastMonth / 12) {
            try await regroup(into: .year, bucket: year, from: .quarter, year * 4, year * 4 + 4, on: sql)
        }
        try await regroup(into: .all, bucket: 0, from: .year, -1_000_000, 1_000_000, on: sql)
        try await regroupSongs(days: days, on: sql)
    }

    /// Rebuilds all time's figures per song (`play_songs`) for the songs played on `days`: every name each was
    /// played under, summed. A poll touches a few songs; more than two months (an import's settle) rebuild them all,
    /// which costs less than finding the songs in every day's rows.
    private func regroupSongs(days: ClosedRange<Int>, on sql: any SQLDatabase) async throws {
        if days.count > Self.daysPerStatement {
            try await sql.delete(from: PlayRollup.songsSchema).where("user_id", .equal, SQLBind(userID)).run()
            try await insertSongs(nil, on: sql)
            return
        }
        let touched: SQLQueryString = """
            SELECT k.track_uri FROM \(ident: PlayRollup.schema) d JOIN \(ident: PlayRollup.keysSchema) k \
            ON k.id = d.key_id WHERE d.user_id = \(bind: userID) AND d.grain = \(literal: PlayRollup.Grain.day.rawValue) \
            AND d.bucket >= \(literal: days.lowerBound) AND d.bucket <= \(literal: days.upperBound) \
            AND k.track_uri LIKE 'spotify:track:%'
            """
        try await sql.raw(
            "DELETE FROM \(ident: PlayRollup.songsSchema) WHERE user_id = \(bind: userID) AND track_uri IN (\(touched))"
        ).run()
        try await insertSongs(touched, on: sql)
    }

    /// Inserts all time's figures of the songs `among` names (every song when nil), summed by URI.
    private func insertSongs(_ among: SQLQueryString?, on sql: any SQLDatabase) async throws {
        var query: SQLQueryString = """
            INSERT INTO \(ident: PlayRollup.songsSchema) (user_id, track_uri, plays, skips, listened_ms, first_at, \
            last_at) SELECT \(bind: userID), k.track_uri, SUM(t.plays), SUM(t.skips), SUM(t.listened_ms), \
            MIN(t.first_at), MAX(t.last_at) FROM \(ident: PlayRollup.schema) t \
            JOIN \(ident: PlayRollup.keysSchema) k ON k.id = t.key_id WHERE t.user_id = \(bind: userID) \
            AND t.grain = \(literal: PlayRollup.Grain.all.rawValue) AND t.bucket = 0 AND k.track_uri LIKE 'spotify:track:%'
            """
        if let among { query.appendInterpolation(" AND k.track_uri IN (\(among))" as SQLQueryString) }
        query.appendLiteral(" GROUP BY k.track_uri")
        try await sql.raw(query).run()
    }

    /// Rebuilds the roll-ups over the days an import marked, if any, in one transaction. The mark is cleared only
    /// if no other import extended it meanwhile (then the next settle covers the whole of it).
    public func settle(on database: any Database) async throws {
        struct Dirty: Decodable {
            var dirty_from: Int?
            var dirty_to: Int?
        }
        let settled = try await database.transaction { db -> Bool in
            let sql = try db.sql()
            try await lock(on: sql)
            let dirty = try await sql.select().column("dirty_from").column("dirty_to").from(PlayRollup.buildsSchema)
                .where("user_id", .equal, SQLBind(userID)).first(decoding: Dirty.self)
            guard let from = dirty?.dirty_from, let to = dirty?.dirty_to else { return false }
            try await refresh(
                from: RollupRanges.date(ofDay: from), through: RollupRanges.date(ofDay: max(from, to)), on: db)
            try await analyze(on: sql)
            try await sql.update(PlayRollup.buildsSchema).set("dirty_from", to: SQLLiteral.null)
                .set("dirty_to", to: SQLLiteral.null).where("user_id", .equal, SQLBind(userID))
                .where("dirty_from", .equal, SQLBind(from)).where("dirty_to", .equal, SQLBind(to)).run()
            return true
        }
        // An import marks many entries played: on PostgreSQL each mark leaves a dead row, and until a vacuum the
        // unplayed entries' index cannot be read alone (its rows' visibility is unknown), so *Never played* read the
        // whole table (60–85 ms instead of 7). Outside the transaction, as a vacuum must be; only a speed-up (the
        // autovacuum gets there later), so a caller's open transaction, which refuses it, loses nothing.
        if settled, try database.sql().dialect.name == "postgresql", !database.inTransaction {
            _ = try? await database.sql().raw("VACUUM (ANALYZE) \(ident: EntryRecord.schema)").run()
        }
    }

    /// Rebuilds all of the person's roll-ups, and records the play length they were built with.
    public func rebuild(on database: any Database) async throws {
        let sql = try database.sql()
        // The person's row of `play_rollup_builds` is the lock every writer of their roll-ups takes first.
        try await sql.insert(into: PlayRollup.buildsSchema).columns("user_id", "minimum_ms")
            .values(SQLBind(userID), SQLLiteral.numeric("-1")).ignoringConflicts(with: ["user_id"]).run()
        try await lock(on: sql)
        try await sql.delete(from: PlayRollup.schema).where("user_id", .equal, SQLBind(userID)).run()
        try await sql.delete(from: PlayRollup.daysSchema).where("user_id", .equal, SQLBind(userID)).run()
        try await sql.delete(from: PlayRollup.songsSchema).where("user_id", .equal, SQLBind(userID)).run()
        let range = PlayRecord.query(on: database).filter(\.$user.$id == userID)
        if let first = try await range.copy().min(\.$playedAt), let last = try await range.copy().max(\.$playedAt) {
            try await refresh(from: first, through: last, on: database)
        }
        try await analyze(on: sql)
        try await sql.update(PlayRollup.buildsSchema).set("minimum_ms", to: SQLBind(minimumMS))
            .set("dirty_from", to: SQLLiteral.null).set("dirty_to", to: SQLLiteral.null)
            .where("user_id", .equal, SQLBind(userID)).run()
    }

    /// After a settle or a rebuild, which may change most of the rows: PostgreSQL's planner otherwise plans the
    /// next reads with the sizes it last sampled (right after a first import: empty tables), until autovacuum
    /// samples them again, and picked nested loops that made the Listening page take 800 ms instead of 100.
    private func analyze(on sql: any SQLDatabase) async throws {
        guard sql.dialect.name == "postgresql" else { return }
        let tables = [PlayRollup.schema, PlayRollup.keysSchema, PlayRollup.daysSchema, PlayRollup.songsSchema].map { "\"\($0)\"" }
        try await sql.raw("ANALYZE \(unsafeRaw: tables.joined(separator: ", "))").run()
    }

    /// Takes the person's roll-up lock for the rest of the transaction: a write to their row of
    /// `play_rollup_builds`, which both stores hold until the commit. Refreshes, settles and rebuilds of one person
    /// run one after another, so that each finds the rows the last one left (which keeps the rows unique).
    private func lock(on sql: any SQLDatabase) async throws {
        try await sql.raw(
            "UPDATE \(ident: PlayRollup.buildsSchema) SET minimum_ms = minimum_ms WHERE user_id = \(bind: userID)"
        ).run()
    }

    /// Rebuilds the roll-ups unless they were built with this play length (the history stored before roll-ups
    /// existed, or a changed `PLAYKEEPER_COUNTS_AFTER`), in one transaction; regroups what an import left.
    public func ensureBuilt(on database: any Database) async throws {
        struct Build: Decodable {
            var minimum_ms: Int
            var dirty_from: Int?
        }
        let built = try await database.sql().select().column("minimum_ms").column("dirty_from")
            .from(PlayRollup.buildsSchema).where("user_id", .equal, SQLBind(userID)).first(decoding: Build.self)
        if built?.minimum_ms != minimumMS {
            try await database.transaction { db in
                // Another process may have rebuilt them while this one waited for the lock.
                try await db.sql().insert(into: PlayRollup.buildsSchema).columns("user_id", "minimum_ms")
                    .values(SQLBind(userID), SQLLiteral.numeric("-1")).ignoringConflicts(with: ["user_id"]).run()
                try await lock(on: db.sql())
                let now = try await db.sql().select().column("minimum_ms").column("dirty_from").from(PlayRollup.buildsSchema)
                    .where("user_id", .equal, SQLBind(userID)).first(decoding: Build.self)
                guard now?.minimum_ms != minimumMS else { return }
                try await rebuild(on: db)
            }
        } else if built?.dirty_from != nil {
            try await settle(on: database)
        }
    }

    /// A song: what the statistics count. Episodes and audiobooks are kept in `plays` but are not songs.
    static let isSong = "(p.track_uri LIKE 'spotify:track:%' OR (p.track_uri IS NULL AND p.track_name IS NOT NULL))"

    private func delete(grain: PlayRollup.Grain, from lower: Int, to upper: Int, on sql: any SQLDatabase) async throws {
        try await sql.raw(
            """
            DELETE FROM \(ident: PlayRollup.schema) WHERE user_id = \(bind: userID) AND grain = \(literal: grain.rawValue) \
            AND bucket >= \(literal: lower) AND bucket < \(literal: upper)
            """
        ).run()
    }

    /// Rebuilds one bucket of a coarser grain from the rows of a finer one, `[lower, upper)`.
    private func regroup(
        into grain: PlayRollup.Grain, bucket: Int, from finer: PlayRollup.Grain, _ lower: Int, _ upper: Int,
        on sql: any SQLDatabase
    ) async throws {
        try await delete(grain: grain, from: bucket, to: bucket + 1, on: sql)
        try await sql.raw(
            """
            INSERT INTO \(ident: PlayRollup.schema) (user_id, grain, bucket, key_id, plays, skips, listened_ms, \
            first_at, last_at) \
            SELECT user_id, \(literal: grain.rawValue), \(literal: bucket), key_id, SUM(plays), SUM(skips), \
            SUM(listened_ms), MIN(first_at), MAX(last_at) \
            FROM \(ident: PlayRollup.schema) WHERE user_id = \(bind: userID) AND grain = \(literal: finer.rawValue) \
            AND bucket >= \(literal: lower) AND bucket < \(literal: upper) \
            GROUP BY user_id, key_id
            """
        ).run()
    }

    /// The SQL that differs between SQLite (dates as seconds since 1970) and PostgreSQL (`timestamptz`).
    struct Expressions {
        let isPostgres: Bool

        init(_ dialect: String) { isPostgres = dialect == "postgresql" }

        /// Seconds since 1970: `date_part` gives a double, where `EXTRACT` gives a numeric (much slower to divide).
        func seconds(_ column: String) -> String { isPostgres ? "date_part('epoch', \(column))" : column }

        func day(_ column: String) -> String {
            isPostgres ? "CAST(FLOOR(\(seconds(column)) / 86400) AS BIGINT)" : "CAST(\(column) / 86400 AS INTEGER)"
        }

        func hourOfDay(_ column: String) -> String {
            isPostgres ? "(CAST(FLOOR(\(seconds(column)) / 3600) AS BIGINT) % 24)" : "(CAST(\(column) / 3600 AS INTEGER) % 24)"
        }

        /// The unit separator, which joins a name to its artist in a key.
        var separator: String { isPostgres ? "chr(31)" : "char(31)" }

        /// Orders text by its bytes, as Swift compares it (SQLite's default; PostgreSQL's depends on the locale).
        var bytewise: String { isPostgres ? "COLLATE \"C\"" : "" }

        /// A song's identity: its URI, or its name and artist joined by the unit separator.
        var trackKey: String { "COALESCE(p.track_uri, p.track_name || \(separator) || COALESCE(p.artist_name, ''))" }

        /// The key row (`k`) that names a play (`p`) as it is: its song's key, URI, name, artist and album.
        var keyMatch: String {
            "k.user_id = p.user_id AND k.track_key = \(trackKey)"
                + ["track_uri", "track_name", "artist_name", "album_name"].map {
                    " AND k.\($0) IS NOT DISTINCT FROM p.\($0)"
                }.joined()
        }
    }
}
