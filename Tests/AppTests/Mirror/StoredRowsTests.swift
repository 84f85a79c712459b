import App
import FluentKit
import Foundation
import SQLKit
import Store
import Testing

/// The store's big-read path (`SQLDatabase.allRows`, `StoredRow`): the drivers' cells decoded by type, with binds of
/// every kind the readers use, on SQLite and PostgreSQL. Values must equal what Fluent reads for the same rows.
struct StoredRowsTests {
    @Test(arguments: StoreKind.available)
    func cellsReadStraightFromTheDriverEqualWhatFluentReads(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind) { mirror in
            _ = try await mirror.sync()
            let user = try await mirror.user()
            let models = try await PlaylistRecord.query(on: mirror.database).filter(\.$user.$id == user.requireID())
                .sort(\.$listPosition).all()
            #expect(models.count > 2)
            #expect(models.contains { $0.lastSyncedAt != nil } && models.contains { $0.ownerID != nil })
            let query: SQLQueryString = """
                SELECT id, spotify_id, name, owner_id, is_liked, entry_count, last_synced_at, gone_at, \
                CAST(1.5 AS DOUBLE PRECISION) AS half FROM playlists WHERE user_id = \(bind: try user.requireID()) \
                AND entry_count >= \(bind: 0) AND spotify_id <> \(bind: "no such playlist") \
                AND (last_synced_at IS NULL OR last_synced_at <= \(bind: Date().addingTimeInterval(60))) \
                ORDER BY list_position
                """
            let rows = try await mirror.database.sql().allRows(query)
            #expect(rows.count == models.count)
            for (row, model) in zip(rows, models) {
                #expect(try row.decode(0, as: UUID.self) == model.id)
                #expect(try row.decode(1, as: String.self) == model.spotifyID)
                #expect(try row.decode(2, as: String.self) == model.name)
                #expect(try row.decode(3, as: String?.self) == model.ownerID)
                #expect(try row.decode(4, as: Bool.self) == model.isLiked)
                #expect(try row.decode(5, as: Int.self) == model.entryCount)
                let synced = try row.decode(6, as: Date?.self)
                #expect((synced == nil) == (model.lastSyncedAt == nil))
                if let synced, let stored = model.lastSyncedAt { #expect(abs(synced.timeIntervalSince(stored)) < 0.001) }
                #expect(try row.decode(7, as: Date?.self) == nil)
                #expect(try row.decode(8, as: Double.self) == 1.5)
            }
            // A column that is not there, or that holds another type, is an error, never a trap.
            #expect(throws: (any Error).self) { try rows[0].decode(9, as: String.self) }
            #expect(throws: (any Error).self) { try rows[0].decode(-1, as: String.self) }
            #expect(throws: (any Error).self) { try rows[0].decode(2, as: Int.self) }
            #expect(throws: (any Error).self) { try rows[0].decode(7, as: Date.self) }
        }
    }
}
