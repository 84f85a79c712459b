import FluentKit
import Foundation
import PlaykeeperJSON
import SQLKit
import SQLiteNIO
import SpotifyWebAPI
import Store

/// Writes a playlist's entries, its catalogue items, its row and a version, all in one transaction, so a
/// crash never leaves a half-written playlist. Bulk writes go through SQLKit in batches.
///
/// Writes are serialized through this actor: reads from Spotify run concurrently, but SQLite has one writer.
public actor MirrorWriter {
    let database: any Database
    /// Rows per INSERT statement: well under SQLite's and PostgreSQL's bind-parameter limits.
    static let batch = 400
    /// The columns of an entry row and of a catalogue row, in the order both insert paths bind them.
    static let entryColumns = [
        "playlist_id", "position", "uri", "added_at", "added_by", "is_local", "linked_from_uri", "kind", "is_playable", "raw",
    ]
    static let catalogColumns = [
        "uri", "spotify_id", "kind", "name", "artists", "artist_ids", "album", "album_type", "duration_ms", "isrc", "raw",
    ]
    /// Time spent inside write transactions, and the entries written, for the benchmark.
    public private(set) var writeSeconds: Double = 0
    public private(set) var entriesWritten = 0

    /// Catalogue rows written by this writer: within one sync a song's JSON is the same in every playlist,
    /// so it is written once. Read outside the actor, by the tasks that prepare writes.
    private nonisolated let catalogued = Ledger()
    private var writing = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(database: any Database) { self.database = database }

    private func turn() async {
        if !writing {
            writing = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func next() {
        if waiting.isEmpty {
            writing = false
        } else {
            waiting.removeFirst().resume()
        }
    }

    public struct PlaylistUpdate: Sendable {
        public var playlistID: UUID
        public var snapshotID: String?
        public var entries: [EntryRow]
        public var raw: String?
        public var canEdit: Bool
        public var syncedAt: Date
    }

    /// A catalogue row with its raw JSON already serialized.
    struct PreparedCatalogRow: Sendable {
        var row: CatalogRow
        var raw: String
    }

    /// Replaces the stored entries of a playlist and records the version. Returns the diff.
    ///
    /// The new catalogue rows are serialized here, in the calling task, so that concurrent reads prepare their
    /// writes in parallel and the single writer's turn holds database work only.
    @discardableResult
    public nonisolated func replaceEntries(_ update: PlaylistUpdate) async throws -> VersionDiff {
        var seen = Set<String>()
        let catalog = update.entries.compactMap(\.catalog)
            .filter { !catalogued.contains($0.uri) && seen.insert($0.uri).inserted }
            .map { PreparedCatalogRow(row: $0, raw: $0.raw) }
        return try await commit(update, catalog: catalog)
    }

    private func commit(_ update: PlaylistUpdate, catalog: [PreparedCatalogRow]) async throws -> VersionDiff {
        // Actors are reentrant across awaits: queue explicitly so that one write runs at a time.
        await turn()
        defer { next() }
        let started = Date()
        let diff = try await database.transaction { db in try await Self.write(update, catalog: catalog, on: db) }
        writeSeconds += Date().timeIntervalSince(started)
        entriesWritten += update.entries.count
        catalogued.insert(catalog.map(\.row.uri))
        return diff
    }

    private static func write(_ update: PlaylistUpdate, catalog: [PreparedCatalogRow], on db: any Database) async throws
        -> VersionDiff
    {
        let sql = try db.sql()
        let oldURIs = try await sql.select().column("uri").from(EntryRecord.schema)
            .where("playlist_id", .equal, update.playlistID).orderBy("position").all()
            .compactMap { try $0.decode(column: "uri", as: String?.self) }
        try await sql.delete(from: EntryRecord.schema).where("playlist_id", .equal, update.playlistID).run()
        if let sqlite = db as? any SQLiteDatabase {
            try await SQLiteBulkInsert.entries(update.entries, playlist: update.playlistID, on: sqlite)
            try await SQLiteBulkInsert.catalog(catalog, on: sqlite)
        } else {
            try await insertEntries(update.entries, playlist: update.playlistID, on: sql)
            try await upsertCatalog(catalog, on: sql)
        }

        let newURIs = update.entries.compactMap(\.uri)
        let diff = VersionDiff(old: oldURIs, new: newURIs)
        var row = sql.update(PlaylistRecord.schema)
            .set("snapshot_id", to: update.snapshotID)
            .set("entry_count", to: update.entries.count)
            .set("last_synced_at", to: update.syncedAt)
            .set("can_read_items", to: true)
            .set("can_edit", to: update.canEdit)
        if let raw = update.raw { row = row.set("raw", to: raw) }
        try await row.where("id", .equal, update.playlistID).run()

        let version = PlaylistVersionRecord()
        version.$playlist.id = update.playlistID
        version.snapshotID = update.snapshotID
        version.seenAt = update.syncedAt
        version.entryCount = update.entries.count
        version.added = JSONValue.array(diff.added.map(JSONValue.string)).serialized()
        version.removed = JSONValue.array(diff.removed.map(JSONValue.string)).serialized()
        try await version.create(on: db)
        return diff
    }

    static func insertEntries(_ entries: [EntryRow], playlist: UUID, on sql: any SQLDatabase) async throws {
        for start in stride(from: 0, to: entries.count, by: batch) {
            var insert = sql.insert(into: EntryRecord.schema).columns(entryColumns)
            for entry in entries[start..<min(start + batch, entries.count)] {
                insert = insert.values(
                    SQLBind(playlist), SQLBind(entry.position), SQLBind(entry.uri), SQLBind(entry.addedAt),
                    SQLBind(entry.addedBy), SQLBind(entry.isLocal), SQLBind(entry.linkedFromURI), SQLBind(entry.kind.rawValue),
                    SQLBind(entry.isPlayable), SQLBind(entry.raw))
            }
            try await insert.run()
        }
    }

    static func upsertCatalog(_ prepared: [PreparedCatalogRow], on sql: any SQLDatabase) async throws {
        for start in stride(from: 0, to: prepared.count, by: batch) {
            var insert = sql.insert(into: CatalogItemRecord.schema).columns(catalogColumns)
            for item in prepared[start..<min(start + batch, prepared.count)] {
                let row = item.row
                insert = insert.values(
                    SQLBind(row.uri), SQLBind(row.spotifyID), SQLBind(row.kind), SQLBind(row.name), SQLBind(row.artists),
                    SQLBind(row.artistIDs), SQLBind(row.album), SQLBind(row.albumType), SQLBind(row.durationMS),
                    SQLBind(row.isrc), SQLBind(item.raw))
            }
            try await insert.onConflict(with: ["uri"]) { conflict in
                catalogColumns.dropFirst().reduce(conflict) { $0.set(excludedValueOf: $1) }
                    // A song in many playlists is rewritten only when Spotify's answer for it changed.
                    .where(SQLColumn("raw", table: CatalogItemRecord.schema), .notEqual, SQLColumn("raw", table: "excluded"))
            }.run()
        }
    }
}

/// A set of strings shared across tasks.
final class Ledger: @unchecked Sendable {
    private let lock = NSLock()
    private var members: Set<String> = []

    func contains(_ member: String) -> Bool { lock.withLock { members.contains(member) } }
    func insert(_ new: [String]) { lock.withLock { members.formUnion(new) } }
}
