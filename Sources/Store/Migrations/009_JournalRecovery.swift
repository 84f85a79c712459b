import FluentKit
import Foundation
import SQLKit

/// 009: what recovery did with an interrupted change, and when. Statuses gain `needs_attention` and
/// `rolled_back` (stored as text, so no change of type).
struct AddJournalRecovery: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        try await database.schema(JournalRecord.schema).field("recovery", .string).update()
        try await database.schema(JournalRecord.schema).field("recovered_at", .datetime).update()
        try await database.sql().create(index: "journal_open").on(JournalRecord.schema).column("status").run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql().drop(index: "journal_open").run()
        try await database.schema(JournalRecord.schema).deleteField("recovered_at").update()
        try await database.schema(JournalRecord.schema).deleteField("recovery").update()
    }
}
