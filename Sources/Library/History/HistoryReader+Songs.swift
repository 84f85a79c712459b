import FluentKit
import Foundation
import SQLKit
import Store

extension HistoryReader {
    /// Each track's plays in a period, by URI: what a smart playlist's rule reads. From the roll-ups when plays count
    /// from the store's length; from the plays themselves when a rule sets its own (`minimumMS`), which is one pass
    /// over the period's plays.
    ///
    /// `among`: only the songs played in that period (a rule that reads all of the history for its songs' first and
    /// last plays needs only those of the songs it may take).
    public func songFigures(in period: ListeningPeriod, minimumMS rule: Int? = nil, among: ListeningPeriod? = nil)
        async throws -> [String: SmartInput.Figures]
    {
        struct Row: Decodable {
            var uri: String
            var plays: Int
            var skips: Int
            var listened_ms: Int
            var first_at: Date?
            var last_at: Date?
        }
        let sql = try await prepared()
        let rows: [Row]
        if let rule, rule != minimumMS {
            let counted = "(p.ms_played IS NULL OR p.ms_played >= \(max(0, rule)))"
            let listened =
                "COALESCE(p.ms_played, (SELECT c.duration_ms FROM \"\(CatalogItemRecord.schema)\" c WHERE c.uri = p.track_uri), 0)"
            var query: SQLQueryString = """
                SELECT p.track_uri AS uri, CAST(SUM(CASE WHEN \(unsafeRaw: counted) THEN 1 ELSE 0 END) AS BIGINT) AS plays, \
                CAST(SUM(CASE WHEN \(unsafeRaw: counted) THEN 0 ELSE 1 END) AS BIGINT) AS skips, \
                CAST(SUM(CASE WHEN \(unsafeRaw: counted) THEN \(unsafeRaw: listened) ELSE 0 END) AS BIGINT) AS listened_ms, \
                MIN(CASE WHEN \(unsafeRaw: counted) THEN p.played_at END) AS first_at, \
                MAX(CASE WHEN \(unsafeRaw: counted) THEN p.played_at END) AS last_at \
                FROM \(ident: PlayRecord.schema) p WHERE p.user_id = \(bind: try user.requireID()) \
                AND p.track_uri LIKE 'spotify:track:%'
                """
            if let from = period.from {
                query.appendLiteral(" AND p.played_at >= ")
                query.appendInterpolation(bind: from)
            }
            if let to = period.to {
                query.appendLiteral(" AND p.played_at < ")
                query.appendInterpolation(bind: to)
            }
            if let among {
                query.appendLiteral(" AND p.track_uri IN (SELECT DISTINCT p2.track_uri FROM \"\(PlayRecord.schema)\" p2 WHERE p2.user_id = ")
                query.appendInterpolation(bind: try user.requireID())
                if let from = among.from {
                    query.appendLiteral(" AND p2.played_at >= ")
                    query.appendInterpolation(bind: from)
                }
                if let to = among.to {
                    query.appendLiteral(" AND p2.played_at < ")
                    query.appendInterpolation(bind: to)
                }
                query.appendLiteral(")")
            }
            query.appendLiteral(" GROUP BY p.track_uri")
            rows = try await sql.raw(query).all(decoding: Row.self)
        } else {
            var query: SQLQueryString = """
                SELECT k.track_uri AS uri, CAST(SUM(t.plays) AS BIGINT) AS plays, CAST(SUM(t.skips) AS BIGINT) AS skips, \
                CAST(SUM(t.listened_ms) AS BIGINT) AS listened_ms, MIN(t.first_at) AS first_at, MAX(t.last_at) AS last_at \
                FROM \(try self.rows(period)) WHERE k.track_uri LIKE 'spotify:track:%'
                """
            if let among {
                query.appendLiteral(" AND k.track_uri IN (SELECT k.track_uri FROM ")
                query.appendInterpolation(try self.rows(among))
                query.appendLiteral(")")
            }
            query.appendLiteral(" GROUP BY k.track_uri")
            rows = try await sql.raw(query).all(decoding: Row.self)
        }
        var figures: [String: SmartInput.Figures] = [:]
        figures.reserveCapacity(rows.count)
        for row in rows {
            figures[row.uri] = SmartInput.Figures(
                plays: row.plays, skips: row.skips, listenedMS: row.listened_ms, firstAt: row.first_at, lastAt: row.last_at)
        }
        return figures
    }

    /// Which of a playlist's songs a rule can use at all, decided in the database so that a library of 100,000
    /// entries is not read to keep a few hundred: a superset of what the rule's filters let through.
    public enum EntryFilter: Sendable {
        case all
        /// Only songs with a counted play in the period.
        case playedIn(ListeningPeriod)
        /// Not the songs that, under one of the names they were played under, have more than this many counted plays
        /// in the period.
        case playedAtMost(Int, in: ListeningPeriod)
    }

    /// The track entries of these playlists (the mirror's row ids), in order, by playlist.
    public func entries(of playlists: [UUID], _ filter: EntryFilter) async throws -> [UUID: [(uri: String, addedAt: Date?)]] {
        struct Row: Decodable {
            var playlist_id: UUID
            var uri: String
            var added_at: Date?
        }
        guard !playlists.isEmpty else { return [:] }
        let sql = try await prepared()
        var query: SQLQueryString = """
            SELECT e.playlist_id, e.uri, e.added_at FROM \(ident: EntryRecord.schema) e WHERE e.playlist_id IN (\(binds: playlists)) \
            AND e.uri LIKE 'spotify:track:%'
            """
        switch filter {
        case .all: break
        case .playedIn(let period):
            query.appendLiteral(" AND e.uri IN (SELECT k.track_uri FROM ")
            query.appendInterpolation(try rows(period))
            query.appendLiteral(" WHERE t.plays > 0)")
        case .playedAtMost(let most, let period):
            query.appendLiteral(" AND e.uri NOT IN (SELECT k.track_uri FROM ")
            query.appendInterpolation(try rows(period))
            query.appendLiteral(" WHERE t.plays > \(max(0, most)) AND k.track_uri IS NOT NULL)")
        }
        query.appendLiteral(" ORDER BY e.playlist_id, e.position")
        var entries: [UUID: [(uri: String, addedAt: Date?)]] = [:]
        for row in try await sql.raw(query).all(decoding: Row.self) {
            entries[row.playlist_id, default: []].append((row.uri, row.added_at))
        }
        return entries
    }
}
