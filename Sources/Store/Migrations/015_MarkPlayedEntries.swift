import FluentKit
import Foundation
import SQLKit

/// 015: each mirrored entry says whether the person ever played its song (`entries.played`), and the unplayed
/// entries have an index of their own (`entries_unplayed`, per playlist in position order, with their songs and
/// when they were added). *Never played* reads
/// that index range instead of leaving every played song out of a hundred thousand entries at each evaluation.
/// The mark only ever goes from false to true (plays are never deleted); `EntryRecord.markPlayed` sets it where
/// entries are written (a sync) and where songs are first played (the roll-ups' new keys). Filled here from the
/// history stored so far.
struct MarkPlayedEntries: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(EntryRecord.schema)
            .field("played", .bool, .required, .custom(SQLColumnConstraintAlgorithm.default(SQLLiteral.boolean(false))))
            .update()
        // Covering what *Never played* reads of an entry, so that the index alone answers it.
        try await database.sql().raw(
            """
            CREATE INDEX entries_unplayed ON \(ident: EntryRecord.schema) (playlist_id, position, uri, added_at) \
            WHERE NOT played
            """
        ).run()
        for userID in try await UserRecord.query(on: database).all(\.$id) {
            try await EntryRecord.markPlayed(userID: userID, on: database.sql())
        }
    }

    func revert(on database: any Database) async throws {
        try await database.sql().drop(index: "entries_unplayed").run()
        try await database.schema(EntryRecord.schema).deleteField("played").update()
    }
}
