import FluentKit
import SQLKit

/// 017: a person's playlists still in their library, in library order, from one (partial) index: the API's and the page's
/// list reads a page of 50 from it instead of sorting all of them, and counts them without reading the table.
struct IndexListedPlaylists: AsyncMigration {
    func prepare(on database: any Database) async throws {
        // Partial, not on (user, gone, position): PostgreSQL reads an index in order only after columns matched with
        // `=`, and `gone_at IS NULL` is not one, so it sorted all 1,000 instead of reading 50.
        try await database.sql().raw(
            """
            CREATE INDEX playlists_listed ON \(ident: PlaylistRecord.schema) (user_id, list_position) \
            WHERE gone_at IS NULL
            """
        ).run()
    }

    func revert(on database: any Database) async throws {
        try await database.sql().drop(index: "playlists_listed").run()
    }
}
