import FluentKit
import Foundation
import PlaykeeperJSON
import SQLKit
import SpotifyWebAPI
import Store

/// Writes playlists' entries, their catalogue items, their rows and versions. Everything a sync changes for
/// one playlist is written in one transaction, so a crash never leaves a half-written playlist.
///
/// Reads from Spotify run concurrently, but a store has one writer at a time (SQLite has one writer at all).
/// Updates that arrive while a transaction runs wait, and are then written together in the next one (a group
/// commit). While a sync reads (`startBatching`), updates also wait for each other until `batchEntries` are
/// pending (see `BulkStore.batchEntries` for why, and why the size differs by store). If a group fails, each of
/// its updates is written again alone, so that one bad playlist fails by itself.
public actor MirrorWriter {
    let database: any Database
    /// At most this many playlists' updates go into one transaction.
    static let groupLimit = 16
    /// While batching, a transaction starts once this many entries are pending (`BulkStore.batchEntries`)…
    public nonisolated let batchEntries: Int
    /// …or once the first pending update has waited `batchWait` (250 ms unless told).
    let batchWait: Duration
    /// Time spent inside write transactions, and the entries written, for the benchmark.
    public private(set) var writeSeconds: Double = 0
    public private(set) var entriesWritten = 0
    /// Transactions committed, for the benchmark.
    public private(set) var transactions = 0

    /// Catalogue rows written by this writer: within one sync a song's JSON is the same in every playlist,
    /// so it is written once. Read outside the actor, by the tasks that prepare writes.
    private nonisolated let catalogued = Ledger()

    private struct Pending {
        var update: PlaylistUpdate
        /// The update's entries, encoded for the store by the task that read them.
        var entries: EncodedRows
        var catalog: [CatalogRow]
        var reply: CheckedContinuation<VersionDiff, any Error>
    }

    private var pending: [Pending] = []
    private var pendingEntries = 0
    private var draining = false
    private var batching = false
    /// Callers of `waitUntilPending`, with the count each waits for.
    private var pendingWaiters: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

    /// The store's bulk path; an error for a store other than SQLite or PostgreSQL, reported at the first write.
    private nonisolated let store: Result<BulkStore, any Error>

    public init(database: any Database, batchWait: Duration = .milliseconds(250)) {
        self.database = database
        self.batchWait = batchWait
        store = Result { try BulkStore(database) }
        batchEntries = (try? store.get().batchEntries) ?? 4_000
    }

    public struct PlaylistUpdate: Sendable {
        public var playlistID: UUID
        public var snapshotID: String?
        public var entries: [EntryRow]
        public var raw: String?
        public var canEdit: Bool
        public var syncedAt: Date

        public init(
            playlistID: UUID, snapshotID: String?, entries: [EntryRow], raw: String?, canEdit: Bool, syncedAt: Date
        ) {
            (self.playlistID, self.snapshotID, self.entries) = (playlistID, snapshotID, entries)
            (self.raw, self.canEdit, self.syncedAt) = (raw, canEdit, syncedAt)
        }
    }

    /// Updates waiting for a transaction.
    public var pendingUpdates: Int { pending.count }

    /// Returns once at least `count` updates wait for a transaction (tests await this instead of sleeping).
    public func waitUntilPending(_ count: Int) async {
        guard pending.count < count else { return }
        await withCheckedContinuation { pendingWaiters.append((count, $0)) }
    }

    /// Lets updates wait for each other, up to `batchEntries` entries or `batchWait`, while many are expected.
    public func startBatching() { batching = true }

    /// Writes what is pending without waiting for more: the last updates of a sync are on their way.
    public func stopBatching() { batching = false }

    /// Whether this writer has yet to write a catalogue row for `uri`: within one sync a song's JSON is the same
    /// in every playlist, so the tasks that read pages serialize it only once.
    public nonisolated func isNew(_ uri: String) -> Bool { !catalogued.contains(uri) }

    /// Replaces the stored entries of a playlist and records the version. Returns the diff.
    @discardableResult
    public nonisolated func replaceEntries(_ update: PlaylistUpdate) async throws -> VersionDiff {
        var seen = Set<String>()
        let catalog = update.entries.compactMap(\.catalog).filter { isNew($0.uri) && seen.insert($0.uri).inserted }
        let entries = try store.get().encode(update.bulkRows, as: .entries)
        return try await enqueue(update, entries: entries, catalog: catalog)
    }

    private func enqueue(_ update: PlaylistUpdate, entries: EncodedRows, catalog: [CatalogRow]) async throws
        -> VersionDiff
    {
        try await withCheckedThrowingContinuation { reply in
            pending.append(Pending(update: update, entries: entries, catalog: catalog, reply: reply))
            pendingEntries += update.entries.count
            let ready = pendingWaiters.filter { $0.count <= pending.count }
            pendingWaiters.removeAll { $0.count <= pending.count }
            for waiter in ready { waiter.continuation.resume() }
            guard !draining else { return }
            draining = true
            Task { await drain() }
        }
    }

    /// Writes what is pending, a group at a time, until nothing is.
    private func drain() async {
        while !pending.isEmpty {
            await gather()
            let group = Array(pending.prefix(Self.groupLimit))
            pending.removeFirst(group.count)
            pendingEntries -= group.reduce(0) { $0 + $1.update.entries.count }
            do {
                let diffs = try await commit(group)
                for (member, diff) in zip(group, diffs) { member.reply.resume(returning: diff) }
            } catch  where group.count > 1 {
                // One of them failed the whole transaction: write each alone, so the others still land.
                for member in group {
                    do {
                        member.reply.resume(returning: try await commit([member])[0])
                    } catch {
                        member.reply.resume(throwing: error)
                    }
                }
            } catch {
                group[0].reply.resume(throwing: error)
            }
        }
        draining = false
    }

    /// While batching, waits for more updates to join the pending ones, up to `batchEntries` or `batchWait`.
    /// Updates arrive while this sleeps (the actor is free then); a few milliseconds between looks is nothing
    /// next to a transaction.
    private func gather() async {
        let deadline = ContinuousClock.now + batchWait
        while batching, pendingEntries < batchEntries, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    private func commit(_ group: [Pending]) async throws -> [VersionDiff] {
        let updates = group.map(\.update)
        // A song new to several playlists of the group is written once.
        var seen = Set<String>()
        let catalog = group.flatMap(\.catalog).filter { seen.insert($0.uri).inserted }
        let store = try store.get()
        let rows = (entries: group.map(\.entries), catalog: store.encode(catalog, as: .catalog))
        let started = Date()
        let diffs = try await database.transaction { db in try await Self.write(updates, rows: rows, store: store, on: db) }
        writeSeconds += Date().timeIntervalSince(started)
        entriesWritten += updates.reduce(0) { $0 + $1.entries.count }
        transactions += 1
        catalogued.insert(catalog.map(\.uri))
        return diffs
    }

    private static func write(
        _ updates: [PlaylistUpdate], rows: (entries: [EncodedRows], catalog: EncodedRows), store: BulkStore,
        on db: any Database
    ) async throws -> [VersionDiff] {
        let sql = try db.sql()
        // The group's stored URIs in one query, each playlist's in position order.
        var stored: [UUID: [String]] = [:]
        for row in try await sql.select().column("playlist_id").column("uri").from(EntryRecord.schema)
            .where("playlist_id", .in, updates.map(\.playlistID)).orderBy("position").all()
        {
            guard let uri = try row.decode(column: "uri", as: String?.self) else { continue }
            stored[try row.decode(column: "playlist_id", as: UUID.self), default: []].append(uri)
        }
        let diffs = updates.map { VersionDiff(old: stored[$0.playlistID] ?? [], new: $0.entries.compactMap(\.uri)) }
        try await sql.delete(from: EntryRecord.schema).where("playlist_id", .in, updates.map(\.playlistID)).run()
        if store == .postgres {
            // As with SQLite's synchronous=NORMAL: a crash may lose the last commits, never half of one, and the
            // next sync reads again whatever was lost (its snapshot was not stored either).
            try await sql.raw("SET LOCAL synchronous_commit TO OFF").run()
        }
        try await store.insert(rows.entries, into: .entries, on: db)
        try await EntryRecord.markPlayed(inPlaylists: updates.map(\.playlistID), on: sql)
        try await store.insert([rows.catalog], into: .catalog, on: db)

        try await updatePlaylists(updates, on: sql)

        var versions = sql.insert(into: PlaylistVersionRecord.schema)
            .columns("id", "playlist_id", "snapshot_id", "seen_at", "entry_count", "added", "removed")
        for (update, diff) in zip(updates, diffs) {
            versions = versions.values(
                SQLBind(UUID()), SQLBind(update.playlistID), SQLBind(update.snapshotID), SQLBind(update.syncedAt),
                SQLBind(update.entries.count), SQLBind(JSONValue.array(diff.added.map(JSONValue.string)).serialized()),
                SQLBind(JSONValue.array(diff.removed.map(JSONValue.string)).serialized()))
        }
        try await versions.run()
        return diffs
    }
}

extension MirrorWriter {
    /// The group's playlists get their new snapshot, count and raw JSON (kept when an update has none) in one
    /// statement: `UPDATE … FROM` a list of values, which both stores take.
    static func updatePlaylists(_ updates: [PlaylistUpdate], on sql: any SQLDatabase) async throws {
        let values = SQLList(
            updates.map { update in
                SQLGroupExpression(
                    SQLList([
                        SQLBind(update.playlistID), SQLBind(update.snapshotID), SQLBind(update.entries.count),
                        SQLBind(update.syncedAt), SQLBind(update.canEdit), SQLBind(update.raw),
                    ]))
            })
        try await sql.raw(
            """
            WITH incoming(id, snapshot_id, entry_count, last_synced_at, can_edit, raw) AS (VALUES \(values))
            UPDATE \(ident: PlaylistRecord.schema) SET snapshot_id = incoming.snapshot_id, \
            entry_count = incoming.entry_count, last_synced_at = incoming.last_synced_at, can_read_items = \(SQLLiteral.boolean(true)), \
            can_edit = incoming.can_edit, raw = COALESCE(incoming.raw, \(ident: PlaylistRecord.schema).raw) \
            FROM incoming WHERE \(ident: PlaylistRecord.schema).id = incoming.id
            """
        ).run()
    }
}

/// A set of strings shared across tasks.
final class Ledger: @unchecked Sendable {
    private let lock = NSLock()
    private var members: Set<String> = []

    func contains(_ member: String) -> Bool { lock.withLock { members.contains(member) } }
    func insert(_ new: [String]) { lock.withLock { members.formUnion(new) } }
}
