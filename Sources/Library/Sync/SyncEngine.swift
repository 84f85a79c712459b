import FluentKit
import SQLKit
import Foundation
import Logging
import PlaykeeperJSON
import SpotifyWebAPI
import Store

/// Mirrors one user's library: the playlist list, the entries of every readable playlist whose snapshot
/// moved, and Liked Songs. The CLI, the service and the scheduler all call this one function.
///
/// Interrupted at any point, it leaves the store consistent: each playlist's entries and snapshot change
/// together in one transaction, so the next sync re-reads exactly the playlists still out of date.
public struct SyncEngine: Sendable {
    public let database: any Database
    public let client: SpotifyClient
    public let writer: MirrorWriter
    public var concurrency: Int
    public var logger: Logger

    /// How often a playlist whose snapshot keeps moving is read again before giving up on it for this run.
    static let maxRereads = 3
    /// Entries per page of `GET /playlists/{id}/items`.
    static let pageSize = 50

    public init(
        database: any Database, client: SpotifyClient, concurrency: Int = 8, logger: Logger = Logger(label: "playkeeper.sync")
    ) {
        self.database = database
        self.client = client
        self.writer = MirrorWriter(database: database)
        self.concurrency = max(1, concurrency)
        self.logger = logger
    }

    /// Runs a sync, under the person's lease (only `UserActions` holds one). `progress` is called as playlists
    /// finish.
    public func run(under lease: UserActions.Lease, progress: (@Sendable (SyncProgress) -> Void)? = nil) async throws
        -> SyncReport
    {
        let started = client.clock.now
        let userName = client.user
        guard let user = try await UserRecord.query(on: database).filter(\.$spotifyID == userName).first(), let userID = user.id
        else {
            throw SpotifyError.notLoggedIn(user: userName)
        }
        guard lease.user == userName else {
            throw PlaykeeperError(.internal, "a sync of \(userName) ran under the lease of \(lease.user)")
        }
        var report = SyncReport(user: userName)
        // Runs left "running" by a process that died: under the person's lease, none still runs.
        try await SyncRunRecord.query(on: database).filter(\.$user.$id == userID).filter(\.$status == .running)
            .set(\.$status, to: .interrupted).update()
        let run = SyncRunRecord()
        run.$user.id = userID
        run.startedAt = started
        run.status = .running
        (run.apiCalls, run.retries, run.rereads, run.playlistsChanged, run.playlistsUnchanged, run.entriesWritten) = (
            0, 0, 0, 0, 0, 0
        )
        try await run.create(on: database)
        report.runID = run.id

        let counter = CallCounter()
        do {
            // `concurrency` bounds the requests in flight, across playlists and the pages of each.
            try await SpotifyClient.$callCounter.withValue(counter) {
                try await SpotifyClient.$requestGate.withValue(RequestGate(width: concurrency)) {
                    try await mirror(userID: userID, report: &report, progress: progress)
                }
            }
            run.status = .succeeded
        } catch {
            run.status = .failed
            run.error = "\(error)"
            report.apiCalls = counter.requests
            try? await finish(run, report: report, counter: counter, started: started)
            throw error
        }
        report.apiCalls = counter.requests
        report.retries = counter.retries
        report.rereads = counter.rereads
        report.seconds = client.clock.now.timeIntervalSince(started)
        try await finish(run, report: report, counter: counter, started: started)
        if report.playlistsChanged + report.entriesWritten >= 1_000 { await refreshStatistics() }
        return report
    }

    /// After a sync that wrote much (a first one above all), PostgreSQL's planner would plan the next reads with the
    /// sizes it last sampled (empty tables) until autovacuum samples them again, and read every row without the
    /// visibility map: the API's list of 1,000 playlists sorted them all (2.7 ms) instead of reading 50 from its
    /// index. Outside any transaction, as a vacuum must be; only a speed-up, so a failure loses nothing.
    private func refreshStatistics() async {
        guard let sql = try? database.sql(), sql.dialect.name == "postgresql", !database.inTransaction else { return }
        _ = try? await sql.raw("VACUUM (ANALYZE) \(ident: PlaylistRecord.schema), \(ident: EntryRecord.schema)").run()
    }

    private func finish(_ run: SyncRunRecord, report: SyncReport, counter: CallCounter, started: Date) async throws {
        run.finishedAt = client.clock.now
        run.apiCalls = counter.requests
        run.retries = counter.retries
        run.rereads = counter.rereads
        run.playlistsChanged = report.playlistsChanged
        run.playlistsUnchanged = report.playlistsUnchanged
        run.entriesWritten = report.entriesWritten
        try await run.save(on: database)
    }

    private func mirror(userID: UUID, report: inout SyncReport, progress: (@Sendable (SyncProgress) -> Void)?) async throws {
        let me = client.user
        // 1. The playlist list, in full, paged by offset.
        let listed = try await playlistList()
        report.playlistsListed = listed.count
        var stored = Dictionary(
            try await PlaylistRecord.query(on: database).filter(\.$user.$id == userID).all().map { ($0.spotifyID, $0) },
            uniquingKeysWith: { first, _ in first })

        // 2. Metadata for every listed playlist; the ones that vanished are marked gone, their history kept.
        var toRead: [(record: PlaylistRecord, listing: Playlist)] = []
        let now = client.clock.now
        for (position, listing) in listed.enumerated() {
            let id = listing.id!
            let record = stored[id] ?? Self.newPlaylist(userID: userID, spotifyID: id)
            // Only what changed is assigned, so an unchanged playlist's row is not written again.
            record.assign(\.name, StoredText.storable(listing.name) ?? record.name)
            record.assign(\.playlistDescription, StoredText.storable(listing.description))
            record.assign(\.ownerID, listing.owner?.id)
            record.assign(\.ownerName, StoredText.storable(listing.owner?.displayName))
            record.assign(\.isPublic, listing.isPublic)
            record.assign(\.collaborative, listing.collaborative ?? false)
            record.assign(\.listedSnapshotID, listing.snapshotID)
            record.assign(\.listPosition, position)
            record.assign(\.goneAt, nil)
            let owned = listing.owner?.id == me
            // `collaborative: true` does not prove this user collaborates: reading tells.
            let mayRead = owned || record.collaborative
            // Once a playlist's entries are stored, its raw JSON is the full object they came with (the writer
            // stores both); the listing's shorter one stands in until then, and for a playlist only listed.
            if !mayRead || record.snapshotID == nil || !record.canReadItems {
                record.assign(\.raw, listing.raw.serialized())
            }
            if !mayRead {
                record.assign(\.canReadItems, false)
                record.assign(\.canEdit, false)
                record.assign(\.entryCount, listing.total ?? record.entryCount)
                report.playlistsMetadataOnly += 1
            } else if record.snapshotID == nil || record.snapshotID != listing.snapshotID {
                toRead.append((record, listing))
            } else {
                report.playlistsUnchanged += 1
            }
            stored[id] = record
        }
        let listedIDs = Set(listed.compactMap(\.id))
        for record in stored.values where !record.isLiked && record.goneAt == nil && !listedIDs.contains(record.spotifyID) {
            record.goneAt = now
            report.playlistsGone += 1
        }
        // One transaction for the whole list: new playlists in one insert, a row that did not change not written.
        let fresh = stored.values.filter { $0.id == nil }
        let changed = stored.values.filter { $0.id != nil && $0.hasChanges }
        try await database.transaction { db in
            try await fresh.create(on: db)
            for record in changed { try await record.save(on: db) }
        }

        // 3. Liked Songs, read alongside the playlists. The writer batches playlists until the last one is on its way.
        let liked = stored[PlaylistRecord.likedID] ?? Self.newLiked(userID: userID, owner: me)
        if liked.id == nil { try await liked.save(on: database) }
        await writer.startBatching()
        async let likedWritten = mirrorLiked(liked)

        // 4. Entries of the playlists whose snapshot moved, read concurrently, written by the one writer.
        let total = toRead.count
        let outcomes: [(String, ReadOutcome)]
        do {
            outcomes = try await withThrowingTaskGroup(of: (String, ReadOutcome).self) { group in
                var results: [(String, ReadOutcome)] = []
                var iterator = toRead.makeIterator()
                var launchedAll = false
                func launch() async {
                    guard let next = iterator.next() else {
                        if !launchedAll { await writer.stopBatching() }
                        launchedAll = true
                        return
                    }
                    group.addTask {
                        (next.record.spotifyID, try await self.mirrorPlaylist(next.record, owned: next.listing.owner?.id == me))
                    }
                }
                // More playlists in progress than requests in flight: while some wait for their first page or for the
                // writer's batch, the others keep the gate full.
                for _ in 0..<(concurrency * 3) { await launch() }
                while let result = try await group.next() {
                    results.append(result)
                    progress?(SyncProgress(done: results.count, total: total, playlist: stored[result.0]?.name ?? result.0))
                    await launch()
                }
                return results
            }
        } catch {
            await writer.stopBatching()
            throw error
        }
        for (id, outcome) in outcomes {
            switch outcome {
            case .written(let count):
                report.playlistsChanged += 1
                report.entriesWritten += count
            case .metadataOnly:
                report.playlistsMetadataOnly += 1
            case .failed(let reason):
                report.failures[id] = reason
            }
        }
        if let written = try await likedWritten {
            report.likedChanged = true
            report.entriesWritten += written
        }
    }

    /// The user's playlists: the first page gives `total`, and the other pages are read at once. If the list
    /// changes length while it is read, it is read again page after page, each offset following the last page.
    private func playlistList() async throws -> [Playlist] {
        let size = Self.pageSize
        let first = try await client.myPlaylistsPage(offset: 0, limit: size)
        var pages: [[Playlist?]] = [first.items]
        if let total = first.total, total > first.items.count, !first.items.isEmpty {
            let offsets = Array(stride(from: first.items.count, to: total, by: size))
            let rest = try await Self.readAtOnce(offsets) { offset in
                try await client.myPlaylistsPage(offset: offset, limit: size)
            }
            let consistent = zip(offsets, rest).allSatisfy { (offset: Int, page: SpotifyWebAPI.Page<Playlist>) in
                page.total == total && page.items.count == min(size, total - offset)
            }
            guard consistent else {
                SpotifyClient.callCounter?.countReread()
                return try await client.myPlaylists(limit: size).allItems().compactMap { $0 }.filter { $0.id != nil }
            }
            pages += rest.map { $0.items }
        }
        return pages.joined().compactMap { $0 }.filter { $0.id != nil }
    }

    /// Mirrors one playlist again, right after Playkeeper changed it, so the store shows the new version.
    public func refresh(_ record: PlaylistRecord) async throws {
        if record.isLiked {
            _ = try await mirrorLiked(record)
            return
        }
        switch try await mirrorPlaylist(record, owned: record.ownerID == client.user) {
        case .written, .metadataOnly: return
        case .failed(let reason): throw SpotifyError.paging(endpoint: "GET /v1/playlists/{id}/items", detail: reason)
        }
    }

    enum ReadOutcome: Sendable {
        case written(Int)
        case metadataOnly
        case failed(String)
    }

    /// Reads one playlist's entries with a consistent snapshot and stores them.
    private func mirrorPlaylist(_ record: PlaylistRecord, owned: Bool) async throws -> ReadOutcome {
        let id = record.spotifyID
        do {
            for attempt in 0...Self.maxRereads {
                if attempt > 0 { SpotifyClient.callCounter?.countReread() }
                // One call gives the snapshot and the first 100 entries.
                let read = try await client.playlistForMirror(id)
                let playlist = read.playlist
                guard let first = read.firstPage else {
                    try await markMetadataOnly(record, playlist: playlist)
                    return .metadataOnly
                }
                // Each page becomes rows as it arrives, so that its text is let go before the playlist is written.
                var rows = entryRows(first.entries, from: 0)
                let expected = playlist.total ?? first.total ?? rows.count
                let snapshotID = playlist.snapshotID
                let raw = playlist.raw.withoutEntries().serialized()
                if expected > rows.count {
                    guard let rest = try await remainingRows(of: id, from: rows.count, total: expected) else { continue }
                    rows += rest
                    // Offsets shift if the playlist changes during a multi-page read: compare the snapshot after.
                    let after = try await client.playlist(id, fields: "snapshot_id")
                    guard after.snapshotID == snapshotID else { continue }
                }
                try await writer.replaceEntries(
                    .init(
                        playlistID: try record.requireID(), snapshotID: snapshotID, entries: rows, raw: raw, canEdit: true,
                        syncedAt: client.clock.now))
                return .written(rows.count)
            }
            return .failed("its snapshot kept moving while it was read; the next sync tries again")
        } catch let error as SpotifyError {
            switch error {
            case .api(let status, _, _, _) where status == 403 || status == 404:
                try await markMetadataOnly(record, playlist: nil)
                return .metadataOnly
            case .api, .writeMayHaveBeenApplied, .transport, .paging, .decoding:
                logger.warning("playlist not mirrored", metadata: ["playlist": "\(id)", "error": "\(error)"])
                return .failed(error.description)
            case .reauthorizationRequired, .notLoggedIn, .rateLimited, .quotaExceeded, .accounts:
                throw error
            }
        }
    }

    /// A playlist's rows from `start` to `total`, all pages requested at once (the request gate bounds how many
    /// are in flight). `nil` when a page shows the playlist changed length while it was read.
    private func remainingRows(of id: String, from start: Int, total: Int) async throws -> [EntryRow]? {
        let size = Self.pageSize
        let pages = try await Self.readAtOnce(Array(stride(from: start, to: total, by: size))) { offset -> [EntryRow]? in
            let page = try await client.playlistItemsPageForMirror(id, offset: offset, limit: size)
            let consistent = (page.total == nil || page.total == total) && page.entries.count == min(size, total - offset)
            return consistent ? entryRows(page.entries, from: offset) : nil
        }
        var rows: [EntryRow] = []
        rows.reserveCapacity(total - start)
        for page in pages {
            guard let page else { return nil }
            rows += page
        }
        return rows
    }

    /// What `read` gives for each offset, in the order of `offsets`; all requested at once (the request gate bounds
    /// how many are in flight).
    private static func readAtOnce<Page: Sendable>(
        _ offsets: [Int], _ read: @escaping @Sendable (Int) async throws -> Page
    ) async throws -> [Page] {
        try await withThrowingTaskGroup(of: (Int, Page).self) { group in
            for (index, offset) in offsets.enumerated() { group.addTask { (index, try await read(offset)) } }
            var pages = [Page?](repeating: nil, count: offsets.count)
            for try await (index, page) in group { pages[index] = page }
            // The group ends without an error only once every offset has its page.
            return pages.map { $0! }
        }
    }

    /// Rows for a page's entries; the catalogue learns only the songs this sync has not written yet.
    private func entryRows(_ entries: [MirroredEntry?], from offset: Int) -> [EntryRow] {
        entries.enumerated().map { EntryRow(mirrored: $0.element, position: offset + $0.offset, cataloguing: writer.isNew) }
    }

    private func markMetadataOnly(_ record: PlaylistRecord, playlist: Playlist?) async throws {
        record.canReadItems = false
        record.canEdit = false
        if let total = playlist?.total { record.entryCount = total }
        try await record.save(on: database)
    }

    /// Reads Liked Songs newest first until known entries appear; a full read when `total` disagrees.
    /// Returns the number of entries written, or `nil` when nothing changed.
    private func mirrorLiked(_ liked: PlaylistRecord) async throws -> Int? {
        let likedID = try liked.requireID()
        let storedRows = try await EntryRecord.query(on: database).filter(\.$playlist.$id == likedID).sort(\.$position).all()
        func key(_ uri: String?, _ addedAt: Date?) -> String { "\(uri ?? "")|\(Int(addedAt?.timeIntervalSince1970 ?? 0))" }
        let known = Set(storedRows.map { key($0.uri, $0.addedAt) })
        var read: [SavedTrack] = []
        var freshCount: Int?
        var total: Int?
        var pages = client.savedTracks().makeAsyncIterator()
        while freshCount == nil, let page = try await pages.next() {
            total = total ?? page.total
            for item in page.items.compactMap({ $0 }) {
                let uri = item.track.flatMap { PlaylistItem.track($0).playlistURI }
                if freshCount == nil, known.contains(key(uri, item.addedAt)) { freshCount = read.count }
                read.append(item)
            }
        }
        if let freshCount, total == freshCount + storedRows.count {
            // Only additions at the top (or none): the stored rows stay behind the new ones.
            guard freshCount > 0 else { return nil }
            let rows =
                read.prefix(freshCount).enumerated().map {
                    EntryRow(saved: $0.element, position: $0.offset, cataloguing: writer.isNew)
                }
                + storedRows.enumerated().map { Self.row(from: $0.element, position: freshCount + $0.offset) }
            return try await writeLiked(liked, rows: rows)
        }
        // Reading only the newest pages never shows an un-liked song: `total` disagrees, so read it all.
        while let page = try await pages.next() { read.append(contentsOf: page.items.compactMap { $0 }) }
        let rows = read.enumerated().map { EntryRow(saved: $0.element, position: $0.offset, cataloguing: writer.isNew) }
        if rows.map(\.uri) == storedRows.map(\.uri), rows.map(\.addedAt) == storedRows.map(\.addedAt) { return nil }
        return try await writeLiked(liked, rows: rows)
    }

    private func writeLiked(_ liked: PlaylistRecord, rows: [EntryRow]) async throws -> Int {
        try await writer.replaceEntries(
            .init(
                playlistID: try liked.requireID(), snapshotID: nil, entries: rows, raw: nil, canEdit: true,
                syncedAt: client.clock.now))
        return rows.count
    }

    static func row(from record: EntryRecord, position: Int) -> EntryRow {
        var row = EntryRow(entry: nil, position: position)
        row.uri = record.uri
        row.addedAt = record.addedAt
        row.addedBy = record.addedBy
        row.isLocal = record.isLocal
        row.linkedFromURI = record.linkedFromURI
        row.kind = PlaylistEntry.Kind(rawValue: record.kind) ?? .unavailable
        row.isPlayable = record.isPlayable
        row.raw = record.raw
        return row
    }

    static func newPlaylist(userID: UUID, spotifyID: String) -> PlaylistRecord {
        let record = PlaylistRecord()
        record.$user.id = userID
        record.spotifyID = spotifyID
        record.name = spotifyID
        record.collaborative = false
        record.entryCount = 0
        record.canReadItems = true
        record.canEdit = false
        record.isLiked = false
        record.listPosition = 0
        return record
    }

    static func newLiked(userID: UUID, owner: String) -> PlaylistRecord {
        let record = newPlaylist(userID: userID, spotifyID: PlaylistRecord.likedID)
        record.name = "Liked Songs"
        record.ownerID = owner
        record.isLiked = true
        record.canEdit = true
        record.listPosition = -1
        return record
    }
}

extension JSONValue {
    /// The playlist object without its embedded entries, which are stored as rows.
    func withoutEntries() -> JSONValue {
        guard case .object(var members) = self else { return self }
        for key in ["items", "tracks"] {
            if let total = members[key]?["total"], let href = members[key]?["href"] {
                members[key] = ["href": href, "total": total]
            }
        }
        return .object(members)
    }
}
