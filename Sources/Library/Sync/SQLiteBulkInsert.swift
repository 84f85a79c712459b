import Foundation
import SQLiteNIO
import SpotifyWebAPI

/// Multi-row inserts straight through SQLiteNIO, for the mirror's bulk writes on SQLite.
///
/// SQLKit encodes every bound value through `Encodable`, which costs more than SQLite's own work for
/// 100,000 entries; here each value is `SQLiteData` at once. Values are stored as SQLKit stores them
/// (UUIDs as text, dates as Unix seconds, booleans as integers), so Fluent reads them back unchanged.
enum SQLiteBulkInsert {
    static func entries(of updates: [MirrorWriter.PlaylistUpdate], on sqlite: any SQLiteDatabase) async throws {
        let columns = MirrorWriter.entryColumns.count
        var binds: [SQLiteData] = []
        binds.reserveCapacity(MirrorWriter.batch * columns)
        func flush() async throws {
            let sql = """
                INSERT INTO "entries" (\(quoted(MirrorWriter.entryColumns))) \
                VALUES \(placeholders(rows: binds.count / columns, columns: columns))
                """
            _ = try await sqlite.query(sql, binds)
            binds.removeAll(keepingCapacity: true)
        }
        for update in updates {
            let id = SQLiteData.text(update.playlistID.uuidString)
            for entry in update.entries {
                binds.append(id)
                binds.append(.integer(entry.position))
                binds.append(text(entry.uri))
                binds.append(entry.addedAt.map { .float($0.timeIntervalSince1970) } ?? .null)
                binds.append(text(entry.addedBy))
                binds.append(.integer(entry.isLocal ? 1 : 0))
                binds.append(text(entry.linkedFromURI))
                binds.append(.text(entry.kind.rawValue))
                binds.append(entry.isPlayable.map { .integer($0 ? 1 : 0) } ?? .null)
                binds.append(.text(entry.raw))
                if binds.count == MirrorWriter.batch * columns { try await flush() }
            }
        }
        if !binds.isEmpty { try await flush() }
    }

    /// Inserts catalogue rows, updating a known URI only when its raw JSON changed.
    static func catalog(_ rows: [CatalogRow], on sqlite: any SQLiteDatabase) async throws {
        let columns = MirrorWriter.catalogColumns
        let updates = columns.dropFirst().map { "\"\($0)\" = \"excluded\".\"\($0)\"" }.joined(separator: ", ")
        for start in stride(from: 0, to: rows.count, by: MirrorWriter.batch) {
            let slice = rows[start..<min(start + MirrorWriter.batch, rows.count)]
            var binds: [SQLiteData] = []
            binds.reserveCapacity(slice.count * columns.count)
            for row in slice {
                binds.append(.text(row.uri))
                binds.append(text(row.spotifyID))
                binds.append(.text(row.kind))
                binds.append(text(row.name))
                binds.append(text(row.artists))
                binds.append(text(row.artistIDs))
                binds.append(text(row.album))
                binds.append(text(row.albumType))
                binds.append(row.durationMS.map { .integer($0) } ?? .null)
                binds.append(text(row.isrc))
                binds.append(.text(row.raw))
            }
            let sql = """
                INSERT INTO "catalog_items" (\(quoted(columns))) \
                VALUES \(placeholders(rows: slice.count, columns: columns.count)) \
                ON CONFLICT ("uri") DO UPDATE SET \(updates) WHERE "catalog_items"."raw" <> "excluded"."raw"
                """
            _ = try await sqlite.query(sql, binds)
        }
    }

    private static func quoted(_ columns: [String]) -> String { columns.map { "\"\($0)\"" }.joined(separator: ", ") }

    private static func text(_ value: String?) -> SQLiteData { value.map { .text($0) } ?? .null }

    private static func placeholders(rows: Int, columns: Int) -> String {
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        return Array(repeating: row, count: rows).joined(separator: ", ")
    }
}
