import FluentKit
import Foundation
import SpotifyWebAPI
import Store

/// The operations on a person's library and listening history. Each one is the only path to what it does: the CLI, the API, the page
/// and the scheduler call these, and none reaches a service around them.
extension UserActions {
    /// Settles interrupted changes, if there are any, under the lease; a read that follows sees a settled library.
    public func settle(wait: Double) async throws {
        guard try await Self.needsRecovery(user, on: database) else { return }
        try await exclusive(wait: wait) { _ in }
    }

    /// Previews the duplicates of the playlists `targets` names (run after the sync, so a playlist made a minute
    /// ago is found), storing each as a plan. `syncFirst` brings the mirror up to date first, under the lease;
    /// otherwise the preview reads the mirror as it is, after settling.
    public func preview(
        wait: Double, syncFirst: Bool, level: MatchLevel, keep: KeepPolicy,
        progress: (@Sendable (SyncProgress) -> Void)? = nil,
        targets: @escaping @Sendable () async throws -> [PlaylistRecord]
    ) async throws -> [DedupeService.Preview] {
        let service = dedupeService
        if syncFirst {
            return try await exclusive(wait: wait) { lease in
                _ = try await syncHoldingLease(lease, concurrency: 8, progress: progress)
                return try await Self.previews(of: try await targets(), service, level: level, keep: keep)
            }
        }
        try await settle(wait: wait)
        return try await Self.previews(of: try await targets(), service, level: level, keep: keep)
    }

    private static func previews(
        of playlists: [PlaylistRecord], _ service: DedupeService, level: MatchLevel, keep: KeepPolicy
    ) async throws -> [DedupeService.Preview] {
        var previews: [DedupeService.Preview] = []
        for playlist in playlists { previews.append(try await service.preview(playlist, level: level, keep: keep)) }
        return previews
    }

    /// Applies a stored plan (all its groups, or `groups`), journaled first and verified after.
    public func apply(planID: UUID, groups: Set<String>?, wait: Double) async throws -> JournalRecord {
        let service = dedupeService
        return try await exclusive(wait: wait) { _ in try await service.apply(planID: planID, groups: groups) }
    }

    /// Undoes a journal entry: refused when the playlist changed since, unless `force`.
    public func undo(journalID: UUID, force: Bool, wait: Double) async throws -> JournalRecord {
        let undo = JournalUndo(database: database, client: client, user: user)
        return try await exclusive(wait: wait) { _ in try await undo.undo(journalID: journalID, force: force) }
    }

    /// When `unify` updates the unified playlist after its sync.
    public enum UnifyMode: Sendable {
        /// Always (the CLI, *Update now*).
        case always
        /// Only when its sources changed since the last update (the periodic sync).
        case whenSourcesChanged
        /// Compute the update without writing or saving anything (`unify --preview`).
        case preview
    }

    /// Syncs, then brings the unified playlist up to date by the fewest writes, under one lease. `settings`
    /// changes the saved settings first (it runs after the sync, so it can name playlists made a minute ago);
    /// a preview does not save them.
    public func unify(
        wait: Double, concurrency: Int, mode: UnifyMode, progress: (@Sendable (SyncProgress) -> Void)? = nil,
        settings change: (@Sendable (inout UnifiedSettings) async throws -> Void)? = nil
    ) async throws -> (sync: SyncReport, unified: UnifiedReport?) {
        let service = unifiedService
        return try await exclusive(wait: wait) { lease in
            let report = try await syncHoldingLease(lease, concurrency: concurrency, progress: progress)
            var settings = try await service.load().settings
            try await change?(&settings)
            switch mode {
            case .preview:
                return (report, try await service.update(preview: true, settings: settings))
            case .always, .whenSourcesChanged:
                if change != nil {
                    let saved = settings
                    try await service.configure { $0 = saved }
                }
                if mode == .whenSourcesChanged, !(try await service.scheduledUpdateIsDue()) { return (report, nil) }
                return (report, try await service.update())
            }
        }
    }

    /// The whole mirrored library, after settling.
    public func export(wait: Double) async throws -> LibraryExport {
        try await settle(wait: wait)
        return try await LibraryExport.load(user: user, on: database)
    }

    /// Renews the person's access token ("renew every hour"), unless it was renewed in the last five minutes (by a
    /// sync that found it expired, or by another instance): an hour-long token with 55 minutes left is as good as
    /// new. A refused refresh token marks them "needs login", here as for every other operation.
    public func refreshToken() async throws -> SpotifyToken {
        try await withReauthorization {
            try await api.tokens.refreshIfExpiring(for: user.spotifyID, within: Self.renewedRecently)
        }
    }

    /// A token with more than this many seconds left was renewed within the last five minutes.
    static let renewedRecently: Double = 55 * 60

    /// Collects the person's recent plays into the listening history. It takes no lease: a poll writes nothing
    /// to Spotify, and the schema keeps a play from being stored twice, whoever polls at the same time.
    public func pollPlays() async throws -> PlayCollector.Report {
        var collector = PlayCollector(database: database, client: client, user: user)
        collector.minimumMS = countsAfterMS
        return try await withReauthorization { [collector] in try await collector.poll() }
    }

    /// Imports the files of an export (one, or a whole export), each in its own transaction, reading the next file
    /// while the last one is written. It reads nothing from Spotify, so it takes no lease: the schema and the
    /// importer's matching keep a play from counting twice. The roll-ups over the days they changed are rebuilt
    /// once, at the end (or at the next read, if the import is killed). Files imported before (the same bytes) are
    /// not read again unless `force` is set.
    public func importPlays(
        _ files: [HistoryFileSource], force: Bool = false,
        progress: (@Sendable (_ index: Int, _ count: Int, _ name: String) -> Void)? = nil
    ) async throws -> [PlayImporter.FileReport] {
        var importer = PlayImporter(database: database, user: user, clock: api.clock)
        importer.minimumMS = countsAfterMS
        let rollups = PlayRollups(userID: try user.requireID(), minimumMS: countsAfterMS)
        try await rollups.ensureBuilt(on: database)
        // Read the files imported before once: the next file is read while the last is written, without a query.
        let known = force ? [] : try await importer.importedDigests()
        let reader = { (file: HistoryFileSource) in
            Task { () throws -> PlayImporter.Prepared in try PlayImporter.prepare(file, known: known) }
        }
        var reports: [PlayImporter.FileReport] = []
        var next = files.first.map(reader)
        do {
            for (index, file) in files.enumerated() {
                progress?(index, files.count, file.name)
                guard let current = next else { break }
                let prepared = try await current.value
                next = index + 1 < files.count ? reader(files[index + 1]) : nil
                reports.append(try await importer.store(prepared))
            }
        } catch {
            next?.cancel()
            try? await rollups.settle(on: database)
            throw error
        }
        try await rollups.settle(on: database)
        return reports
    }

    /// The person's statistics, read from the history's roll-ups.
    public var history: HistoryReader { HistoryReader(database: database, user: user, minimumMS: countsAfterMS) }

    /// The person's dedupe service, on the entry point's store and client.
    public var dedupeService: DedupeService {
        var service = DedupeService(database: database, client: client, user: user)
        service.logger = logger
        return service
    }

    /// The person's unified playlist, with the store's shard size.
    public var unifiedService: UnifiedService {
        var service = UnifiedService(database: database, client: client, user: user)
        service.shardSize = shardSize
        service.logger = logger
        return service
    }
}
