import Foundation
import SpotifyWebAPI

/// One value of a row the mirror writes in bulk. Each store's bulk path writes it in its own form: SQLite binds
/// it as SQLKit would store it, PostgreSQL's COPY as text.
enum BulkValue {
    case text(String?)
    case integer(Int?)
    case flag(Bool?)
    case date(Date?)
}

/// A table the mirror writes in bulk: its columns, and each row's values in that order, defined once for both
/// stores.
struct BulkTable<Row>: Sendable {
    let name: String
    let columns: [String]
    /// Appends the row's values, in the order of `columns`, to a buffer the caller reuses (a first sync writes
    /// 150,000 rows: no array of its own for each).
    let values: @Sendable (Row, inout [BulkValue]) -> Void
    /// On a known key, the row is rewritten only when its raw JSON changed (the catalogue).
    var upsertKey: String?
}

extension BulkTable where Row == (playlist: String, entry: EntryRow) {
    static let entries = BulkTable(
        name: "entries",
        columns: [
            "playlist_id", "position", "uri", "added_at", "added_by", "is_local", "linked_from_uri", "kind", "is_playable",
            "raw",
        ],
        values: { row, values in
            let entry = row.entry
            values.append(.text(row.playlist))
            values.append(.integer(entry.position))
            values.append(.text(entry.uri))
            values.append(.date(entry.addedAt))
            values.append(.text(entry.addedBy))
            values.append(.flag(entry.isLocal))
            values.append(.text(entry.linkedFromURI))
            values.append(.text(entry.kind.rawValue))
            values.append(.flag(entry.isPlayable))
            values.append(.text(entry.raw))
        })
}

extension BulkTable where Row == CatalogRow {
    static let catalog = BulkTable(
        name: "catalog_items",
        columns: [
            "uri", "spotify_id", "kind", "name", "artists", "artist_ids", "album", "album_type", "duration_ms", "isrc", "raw",
        ],
        values: { row, values in
            values.append(.text(row.uri))
            values.append(.text(row.spotifyID))
            values.append(.text(row.kind))
            values.append(.text(row.name))
            values.append(.text(row.artists))
            values.append(.text(row.artistIDs))
            values.append(.text(row.album))
            values.append(.text(row.albumType))
            values.append(.integer(row.durationMS))
            values.append(.text(row.isrc))
            values.append(.text(row.raw))
        },
        upsertKey: "uri")
}

extension MirrorWriter.PlaylistUpdate {
    /// The update's entries as rows of `BulkTable.entries`.
    var bulkRows: some Sequence<(playlist: String, entry: EntryRow)> {
        let playlist = playlistID.uuidString
        return entries.lazy.map { (playlist: playlist, entry: $0) }
    }
}
