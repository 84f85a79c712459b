import FluentKit
import Foundation
import SQLKit
import Store

extension HistoryReader {
    /// Which songs' figures to read, and what the database may leave out because the caller would drop it anyway:
    /// a rule over a million plays reads the few hundred rows it can use, not every song ever played.
    public struct FigureQuery: Sendable {
        /// The play length from which a play counts; nil for the store's (`PLAYKEEPER_COUNTS_AFTER`).
        public var minimumMS: Int?
        /// Only songs played in this period.
        public var playedIn: ListeningPeriod?
        /// Only songs of these playlists (the mirror's row ids) that pass the filter.
        public var inPlaylists: (ids: [UUID], filter: EntryFilter)?
        /// Conditions on a song's figures.
        public var atLeastPlays: Int?
        public var atMostPlays: Int?
        public var skipped: Bool?
        /// The last counted play before this (or none).
        public var lastBefore: Date?
        /// Only songs whose first counted play of all (over every name) is at or after this: songs new since then.
        /// Read from all time's figures per song; not for a rule's own play length (`minimumMS`), which they do not
        /// hold.
        public var firstFrom: Date?
        /// The first `count` by plays or by time listened, ties as `SmartRule.evaluate` breaks them.
        public var top: (byListening: Bool, count: Int)?

        public init(minimumMS: Int? = nil) { self.minimumMS = minimumMS }
    }

    /// Each track's plays in a period, by URI: what a smart playlist's rule reads. From the roll-ups when plays count
    /// from the store's length; from the plays themselves when a rule sets its own, which is one pass over the
    /// period's plays.
    public func songFigures(in period: ListeningPeriod, _ query: FigureQuery = FigureQuery()) async throws
        -> [String: SmartInput.Figures]
    {
        let sql = try await prepared()
        let userID = try user.requireID()
        // Each path names a song's URI and its five figures; the conditions and the order are written once over them.
        let (uri, plays, skips, listened, first, last): (String, String, String, String, String, String)
        var text: SQLQueryString
        // Whether a song's rows are summed (`GROUP BY` and `HAVING`) or are one row already (`WHERE`).
        var grouped = true
        if let rule = query.minimumMS, rule != minimumMS {
            let counted = "(p.ms_played IS NULL OR p.ms_played >= \(max(0, rule)))"
            let length =
                "COALESCE(p.ms_played, (SELECT c.duration_ms FROM \"\(CatalogItemRecord.schema)\" c WHERE c.uri = p.track_uri), 0)"
            (uri, plays, skips) =
                ("p.track_uri", "SUM(CASE WHEN \(counted) THEN 1 ELSE 0 END)", "SUM(CASE WHEN \(counted) THEN 0 ELSE 1 END)")
            listened = "SUM(CASE WHEN \(counted) THEN \(length) ELSE 0 END)"
            (first, last) = ("MIN(CASE WHEN \(counted) THEN p.played_at END)", "MAX(CASE WHEN \(counted) THEN p.played_at END)")
            text = "FROM \(ident: PlayRecord.schema) p WHERE p.user_id = \(bind: userID) AND p.track_uri LIKE 'spotify:track:%'"
            text.appendInterpolation(Self.within(period, "p.played_at"))
            if let among = query.playedIn {
                text.appendLiteral(
                    " AND p.track_uri IN (SELECT p2.track_uri FROM \"\(PlayRecord.schema)\" p2 WHERE p2.user_id = ")
                text.appendInterpolation(bind: userID)
                text.appendInterpolation(Self.within(among, "p2.played_at"))
                text.appendLiteral(")")
            }
        } else if period.from == nil, period.to == nil {
            // All time: a row a song already (`play_songs`), nothing to group.
            grouped = false
            (uri, plays, skips, listened) = ("s.track_uri", "s.plays", "s.skips", "s.listened_ms")
            (first, last) = ("s.first_at", "s.last_at")
            text = "FROM \(ident: PlayRollup.songsSchema) s WHERE s.user_id = \(bind: userID)"
            if let since = query.firstFrom { text.appendInterpolation(" AND s.first_at >= \(bind: since)" as SQLQueryString) }
            if let among = query.playedIn {
                text.appendLiteral(" AND s.track_uri IN (SELECT k.track_uri FROM ")
                text.appendInterpolation(try rows(among))
                text.appendLiteral(")")
            }
        } else {
            (uri, plays, skips, listened) = ("k.track_uri", "SUM(t.plays)", "SUM(t.skips)", "SUM(t.listened_ms)")
            (first, last) = ("MIN(t.first_at)", "MAX(t.last_at)")
            text = "FROM \(try rows(period)) WHERE k.track_uri LIKE 'spotify:track:%'"
            if let among = query.playedIn {
                text.appendLiteral(" AND k.track_uri IN (SELECT k.track_uri FROM ")
                text.appendInterpolation(try rows(among))
                text.appendLiteral(")")
            }
            if let since = query.firstFrom {
                text.appendInterpolation(
                    """
                     AND k.track_uri IN (SELECT n.track_uri FROM \(ident: PlayRollup.songsSchema) n \
                    WHERE n.user_id = \(bind: userID) AND n.first_at >= \(bind: since))
                    """ as SQLQueryString)
            }
        }
        if let (ids, filter) = query.inPlaylists {
            guard !ids.isEmpty else { return [:] }
            text.appendLiteral(" AND \(uri) IN (SELECT e.uri FROM \"\(EntryRecord.schema)\" e WHERE ")
            text.appendInterpolation(try entryCondition(ids, filter))
            text.appendLiteral(")")
        }
        if grouped { text.appendLiteral(" GROUP BY \(uri)") }
        var having: [String] = []
        if let least = query.atLeastPlays { having.append("\(plays) >= \(least)") }
        if let most = query.atMostPlays { having.append("\(plays) <= \(most)") }
        if let skipped = query.skipped { having.append(skipped ? "\(skips) > 0" : "\(skips) = 0") }
        let conditions = grouped ? " HAVING " : " AND "
        if !having.isEmpty { text.appendLiteral(conditions + having.joined(separator: " AND ")) }
        if let lastBefore = query.lastBefore {
            text.appendLiteral(having.isEmpty ? conditions : " AND ")
            text.appendLiteral("(\(last) IS NULL OR \(last) < ")
            text.appendInterpolation(bind: lastBefore)
            text.appendLiteral(")")
        }
        if let (byListening, count) = query.top {
            let bytewise = PlayRollups.Expressions(sql.dialect.name).bytewise
            let measures = byListening ? "\(listened) DESC, \(plays) DESC" : "\(plays) DESC, \(listened) DESC"
            // A song never counted (nil first play) comes after the others, as in Swift, on both stores.
            text.appendLiteral(
                " ORDER BY \(measures), CASE WHEN \(first) IS NULL THEN 1 ELSE 0 END, \(first), \(uri) \(bytewise) LIMIT \(max(0, count))"
            )
        }
        var select: SQLQueryString = """
            SELECT \(unsafeRaw: uri) AS uri, CAST(\(unsafeRaw: plays) AS BIGINT) AS plays, \
            CAST(\(unsafeRaw: skips) AS BIGINT) AS skips, CAST(\(unsafeRaw: listened) AS BIGINT) AS listened_ms, \
            \(unsafeRaw: first) AS first_at, \(unsafeRaw: last) AS last_at 
            """
        select.appendInterpolation(text)
        let rows = try await sql.allRows(select)
        var figures: [String: SmartInput.Figures] = [:]
        figures.reserveCapacity(rows.count)
        // Columns read by their place in the SELECT above, as in `entries(of:)`.
        for row in rows {
            figures[try row.decode(0, as: String.self)] = SmartInput.Figures(
                plays: try row.decode(1, as: Int.self), skips: try row.decode(2, as: Int.self),
                listenedMS: try row.decode(3, as: Int.self),
                firstAt: try row.decode(4, as: Date?.self),
                lastAt: try row.decode(5, as: Date?.self))
        }
        return figures
    }

    /// ` AND column >= from AND column < to`, for the bounds the period has.
    private static func within(_ period: ListeningPeriod, _ column: String) -> SQLQueryString {
        var text: SQLQueryString = ""
        if let from = period.from {
            text.appendLiteral(" AND \(column) >= ")
            text.appendInterpolation(bind: from)
        }
        if let to = period.to {
            text.appendLiteral(" AND \(column) < ")
            text.appendInterpolation(bind: to)
        }
        return text
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
        /// Only songs never played at all, not even skipped: the entries not marked `played` (015), a range of their
        /// own index, instead of leaving out every song ever played (the roll-ups are built first, which marks
        /// the entries of songs played for the first time).
        case neverPlayed
    }

    /// The track entries (`e`) of these playlists that pass the filter.
    private func entryCondition(_ playlists: [UUID], _ filter: EntryFilter) throws -> SQLQueryString {
        var query: SQLQueryString = "e.playlist_id IN (\(binds: playlists)) AND e.uri LIKE 'spotify:track:%'"
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
        case .neverPlayed:
            query.appendLiteral(" AND NOT e.played")
        }
        return query
    }

    /// A mirrored playlist as a rule reads it.
    public struct MirroredPlaylist: Sendable {
        public var id: UUID
        public var spotifyID: String
        public var name: String
        public var ownerID: String?
        public var isLiked: Bool
        public var canReadItems: Bool
    }

    /// The person's playlists still in `/me/playlists`, in its order: the six columns a rule reads, not whole models
    /// (Fluent decodes every column of every row, the raw JSON included: 11 ms for 100 playlists instead of 1).
    public func mirroredPlaylists() async throws -> [MirroredPlaylist] {
        let query: SQLQueryString = """
            SELECT id, spotify_id, name, owner_id, is_liked, can_read_items FROM \(ident: PlaylistRecord.schema) \
            WHERE user_id = \(bind: try user.requireID()) AND gone_at IS NULL ORDER BY list_position
            """
        return try await database.sql().allRows(query).map { row in
            MirroredPlaylist(
                id: try row.decode(0), spotifyID: try row.decode(1), name: try row.decode(2), ownerID: try row.decode(3),
                isLiked: try row.decode(4), canReadItems: try row.decode(5))
        }
    }

    /// The track entries of these playlists (the mirror's row ids) that pass the filter, in order, by playlist; and,
    /// when `named`, the catalogue's name and artists of their songs, read with them.
    public func entries(of playlists: [UUID], _ filter: EntryFilter, named: Bool = true) async throws -> (
        entries: [UUID: [(uri: String, addedAt: Date?, position: Int)]], names: [String: (name: String?, artists: String?)]
    ) {
        guard !playlists.isEmpty else { return ([:], [:]) }
        let sql = try await prepared()
        var query: SQLQueryString = "SELECT e.playlist_id, e.uri, e.added_at, e.position"
        query.appendLiteral(named ? ", c.name, c.artists FROM \"\(EntryRecord.schema)\" e" : " FROM \"\(EntryRecord.schema)\" e")
        // SQLite, without statistics, reads the playlists' every entry by the table's key (in the same order) and
        // checks each; named, the index of the unplayed is a third of the time (30,000 of 100,000 entries: 17 ms
        // against 51).
        if case .neverPlayed = filter, sql.dialect.name == "sqlite" { query.appendLiteral(" INDEXED BY entries_unplayed") }
        if named { query.appendLiteral(" LEFT JOIN \"\(CatalogItemRecord.schema)\" c ON c.uri = e.uri") }
        query.appendLiteral(" WHERE ")
        query.appendInterpolation(try entryCondition(playlists, filter))
        query.appendLiteral(" ORDER BY e.playlist_id, e.position")
        var entries: [UUID: [(uri: String, addedAt: Date?, position: Int)]] = [:]
        var names: [String: (name: String?, artists: String?)] = [:]
        // Columns read by their place in the SELECT above (a `Decodable` row costs more than the query on 20,000
        // entries), and a playlist's id parsed once for its run of rows (the rows come by playlist; SQLite hands UUIDs
        // over as text).
        let textIDs = sql.dialect.name == "sqlite"
        var playlist: (text: String, id: UUID)?
        for row in try await sql.allRows(query) {
            let uri = try row.decode(1, as: String.self)
            let entry = (
                uri, try row.decode(2, as: Date?.self), try row.decode(3, as: Int.self)
            )
            let id: UUID
            if textIDs {
                let text = try row.decode(0, as: String.self)
                if let playlist, playlist.text == text {
                    id = playlist.id
                } else {
                    id = try row.decode(0, as: UUID.self)
                    playlist = (text, id)
                }
            } else {
                id = try row.decode(0, as: UUID.self)
            }
            entries[id, default: []].append(entry)
            if named {
                names[uri] = (
                    try row.decode(4, as: String?.self), try row.decode(5, as: String?.self)
                )
            }
        }
        return (entries, names)
    }
}
