import Foundation
import SpotifyWebAPI
import Store

/// The two tables a sync writes in bulk, through the store's bulk path (`BulkStore`).
extension BulkTable where Row == (playlist: String, entry: EntryRow) {
    static let entries = BulkTable(
        name: "entries",
        columns: [
            BulkColumn("playlist_id") { .text($0.playlist) },
            BulkColumn("position") { .integer($0.entry.position) },
            BulkColumn("uri") { .text($0.entry.uri) },
            BulkColumn("added_at") { .date($0.entry.addedAt) },
            BulkColumn("added_by") { .text($0.entry.addedBy) },
            BulkColumn("is_local") { .flag($0.entry.isLocal) },
            BulkColumn("linked_from_uri") { .text($0.entry.linkedFromURI) },
            BulkColumn("kind") { .text($0.entry.kind.rawValue) },
            BulkColumn("is_playable") { .flag($0.entry.isPlayable) },
            BulkColumn("raw") { .text($0.entry.raw) },
        ])
}

extension BulkTable where Row == CatalogRow {
    static let catalog = BulkTable(
        name: "catalog_items",
        columns: [
            BulkColumn("uri") { .text($0.uri) },
            BulkColumn("spotify_id") { .text($0.spotifyID) },
            BulkColumn("kind") { .text($0.kind) },
            BulkColumn("name") { .text($0.name) },
            BulkColumn("artists") { .text($0.artists) },
            BulkColumn("artist_ids") { .text($0.artistIDs) },
            BulkColumn("album") { .text($0.album) },
            BulkColumn("album_type") { .text($0.albumType) },
            BulkColumn("duration_ms") { .integer($0.durationMS) },
            BulkColumn("isrc") { .text($0.isrc) },
            BulkColumn("raw") { .text($0.raw) },
        ],
        upsertKey: "uri")
}

extension MirrorWriter.PlaylistUpdate {
    /// The update's entries as rows of `BulkTable.entries`.
    var bulkRows: some Sequence<(playlist: String, entry: EntryRow)> {
        let playlist = playlistID.uuidString
        return entries.lazy.map { (playlist: playlist, entry: $0) }
    }
}
