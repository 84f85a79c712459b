import FluentKit
import Foundation
import SQLKit
import Store

extension HistoryReader {
    /// Each track's plays in a period, by URI: what a smart playlist's rule reads. From the roll-ups when plays count
    /// from the store's length; from the plays themselves when a rule sets its own (`minimumMS`), which is one pass
    /// over the period's plays.
    public func songFigures(in period: ListeningPeriod, minimumMS rule: Int? = nil) async throws
        -> [String: SmartInput.Figures]
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
            query.appendLiteral(" GROUP BY p.track_uri")
            rows = try await sql.raw(query).all(decoding: Row.self)
        } else {
            rows = try await sql.raw(
                """
                SELECT k.track_uri AS uri, CAST(SUM(t.plays) AS BIGINT) AS plays, CAST(SUM(t.skips) AS BIGINT) AS skips, \
                CAST(SUM(t.listened_ms) AS BIGINT) AS listened_ms, MIN(t.first_at) AS first_at, MAX(t.last_at) AS last_at \
                FROM \(try self.rows(period)) WHERE k.track_uri LIKE 'spotify:track:%' GROUP BY k.track_uri
                """
            ).all(decoding: Row.self)
        }
        var figures: [String: SmartInput.Figures] = [:]
        figures.reserveCapacity(rows.count)
        for row in rows {
            figures[row.uri] = SmartInput.Figures(
                plays: row.plays, skips: row.skips, listenedMS: row.listened_ms, firstAt: row.first_at, lastAt: row.last_at)
        }
        return figures
    }
}
