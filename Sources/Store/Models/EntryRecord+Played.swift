import FluentKit
import Foundation
import SQLKit

extension EntryRecord {
    /// Marks the person's entries whose song they played or skipped at least once (`played`, 015). A play names
    /// a song by its URI, which is then its key in `play_keys`, so a song was played exactly when it has a key.
    /// - `playlists`: only these playlists' entries (a sync just wrote them);
    /// - `keysAfter`: only the songs whose key came after this id (plays just named songs for the first time).
    public static func markPlayed(
        userID: UUID, playlists: [UUID]? = nil, keysAfter: Int? = nil, on sql: any SQLDatabase
    ) async throws {
        var query: SQLQueryString = """
            UPDATE \(ident: schema) SET played = \(SQLLiteral.boolean(true)) WHERE NOT played AND playlist_id IN (
            """
        if let playlists {
            guard !playlists.isEmpty else { return }
            query.appendInterpolation(binds: playlists)
        } else {
            query.appendInterpolation(
                "SELECT id FROM \(ident: PlaylistRecord.schema) WHERE user_id = \(bind: userID)" as SQLQueryString)
        }
        query.appendInterpolation(
            ") AND uri IN (SELECT track_key FROM \(ident: PlayRollup.keysSchema) WHERE user_id = \(bind: userID)"
                as SQLQueryString)
        if let keysAfter { query.appendInterpolation(" AND id > \(bind: keysAfter)" as SQLQueryString) }
        query.appendLiteral(")")
        try await sql.raw(query).run()
    }

    /// Marks the played entries of playlists just written, whoever's they are.
    public static func markPlayed(inPlaylists playlists: [UUID], on sql: any SQLDatabase) async throws {
        guard !playlists.isEmpty else { return }
        var owned: [UUID: [UUID]] = [:]
        for row in try await sql.select().column("id").column("user_id").from(PlaylistRecord.schema)
            .where("id", .in, playlists).all()
        {
            owned[try row.decode(column: "user_id", as: UUID.self), default: []].append(
                try row.decode(column: "id", as: UUID.self))
        }
        for (userID, ids) in owned { try await markPlayed(userID: userID, playlists: ids, on: sql) }
    }
}
