import App
import EmulatorTestSupport
import FluentKit
import Foundation
import Library
import SQLKit
import Store
import Testing

/// The store's bulk path for rows that must not be stored twice (the plays): a row whose key is already stored
/// is left out, on SQLite (`ON CONFLICT DO NOTHING`) and on PostgreSQL (a straight `COPY`, and when one row was
/// stored meanwhile, the staged `INSERT … ON CONFLICT DO NOTHING` instead), without failing the transaction.
@Suite(.serialized)
struct BulkPlaysTests {
    struct Row {
        var id: UUID
        var user: UUID
        var at: Date
    }

    static let table = BulkTable<Row>(
        name: PlayRecord.schema,
        columns: [
            BulkColumn("id") { .text($0.id.uuidString) }, BulkColumn("user_id") { .text($0.user.uuidString) },
            BulkColumn("played_at") { .date($0.at) }, BulkColumn("source") { _ in .text("import") },
            BulkColumn("raw") { _ in .text("{}") },
        ],
        skipKnown: ["user_id", "played_at"])

    @Test(arguments: StoreKind.available)
    func aRowAlreadyStoredIsLeftOutAndTheRestIsWritten(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind) { mirror in
            _ = try await mirror.sync()
            let user = try await mirror.user().requireID()
            let start = Date(timeIntervalSince1970: 1_790_000_000)
            let store = try BulkStore(mirror.database)
            let first = (0..<3).map { Row(id: UUID(), user: user, at: start.addingTimeInterval(Double($0))) }
            try await mirror.database.transaction { db in
                try await store.insert([store.encode(first, as: Self.table)], into: Self.table, on: db)
            }
            // Two of these are stored already (with other ids): only the third is new.
            let second = (1..<4).map { Row(id: UUID(), user: user, at: start.addingTimeInterval(Double($0))) }
            try await mirror.database.transaction { db in
                try await store.insert([store.encode(second, as: Self.table)], into: Self.table, on: db)
                // The transaction is still usable after the conflict.
                _ = try await PlayRecord.query(on: db).count()
            }
            let stored = try await PlayRecord.query(on: mirror.database).sort(\.$playedAt).all()
            #expect(stored.map(\.playedAt) == (0..<4).map { start.addingTimeInterval(Double($0)) })
            #expect(Set(stored.compactMap(\.id)) == Set(first.map(\.id) + [second[2].id]), "the stored rows kept their ids")
        }
    }
}
