import FluentKit
import SQLKit

/// 004: on PostgreSQL, views that expose the raw JSON as `jsonb`, so the mirror can be queried in plain SQL.
/// SQLite keeps the text columns, which its JSON functions read directly.
struct CreateJSONViews: AsyncMigration {
    static let views = [
        ("playlists_json", PlaylistRecord.schema), ("entries_json", EntryRecord.schema),
        ("catalog_items_json", CatalogItemRecord.schema),
    ]

    func prepare(on database: any Database) async throws {
        let sql = try database.sql()
        guard sql.dialect.name == "postgresql" else { return }
        for (view, table) in Self.views {
            try await sql.raw("CREATE VIEW \(ident: view) AS SELECT t.*, t.raw::jsonb AS raw_json FROM \(ident: table) t").run()
        }
    }

    func revert(on database: any Database) async throws {
        let sql = try database.sql()
        guard sql.dialect.name == "postgresql" else { return }
        for (view, _) in Self.views { try await sql.raw("DROP VIEW IF EXISTS \(ident: view)").run() }
    }
}
