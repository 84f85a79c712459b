import Crypto
import FluentKit
import Foundation
import Logging
import PlaykeeperJSON
import SpotifyWebAPI
import Store

/// Builds and keeps the unified playlist: one copy of every song of the person's playlists, updated from
/// the mirror with the fewest writes. The caller syncs first (under the user's job lease), so the mirror
/// holds the current snapshot of every source and shard.
public struct UnifiedService: Sendable {
    public let database: any Database
    public let client: SpotifyClient
    public let user: UserRecord
    public var logger = Logger(label: "playkeeper.unified")
    /// Spotify's cap on a playlist's entries; a shard holds at most this many.
    public var shardSize = 10_000

    public init(database: any Database, client: SpotifyClient, user: UserRecord) {
        self.database = database
        self.client = client
        self.user = user
    }

    var dedupe: DedupeService {
        var service = DedupeService(database: database, client: client, user: user)
        service.logger = logger
        return service
    }

    // MARK: Settings and state

    /// The saved settings and state, or the defaults before the first use.
    public func load() async throws -> (settings: UnifiedSettings, state: UnifiedState) {
        guard let record = try await record() else { return (UnifiedSettings(), UnifiedState()) }
        return try Self.decode(record)
    }

    /// Saves new settings, keeping the state.
    @discardableResult
    public func configure(_ change: (inout UnifiedSettings) throws -> Void) async throws -> UnifiedSettings {
        var (settings, state) = try await load()
        try change(&settings)
        guard !settings.name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw DedupeError.refused("the unified playlist needs a name")
        }
        try await save(settings, state)
        return settings
    }

    static func decode(_ record: UnifiedConfigRecord) throws -> (settings: UnifiedSettings, state: UnifiedState) {
        (
            try JSONValueDecoder().decode(UnifiedSettings.self, from: record.settings),
            try JSONValueDecoder().decode(UnifiedState.self, from: record.state)
        )
    }

    func record() async throws -> UnifiedConfigRecord? {
        try await UnifiedConfigRecord.query(on: database).filter(\.$user.$id == user.requireID()).first()
    }

    func save(_ settings: UnifiedSettings, _ state: UnifiedState) async throws {
        let record = try await record() ?? UnifiedConfigRecord()
        if record.id == nil { record.$user.id = try user.requireID() }
        record.settings = try JSONValue.text(encoding: settings)
        record.state = try JSONValue.text(encoding: state)
        record.updatedAt = client.clock.now
        try await record.save(on: database)
    }

    /// The Spotify ids of the playlists Playkeeper manages for a user (the shards and the smart playlists): never
    /// deduplicated, and never sources unless named.
    public static func managedIDs(of user: UserRecord, on database: any Database) async throws -> Set<String> {
        let smart = try await SmartService.managedIDs(of: user, on: database)
        guard let record = try await UnifiedConfigRecord.query(on: database).filter(\.$user.$id == user.requireID()).first()
        else { return smart }
        return smart.union(try decode(record).state.shards.map(\.spotifyID))
    }

    /// What is never a source: the shards, and the smart playlists not included by name.
    func managed(_ settings: UnifiedSettings, _ state: UnifiedState) async throws -> Set<String> {
        try await SmartService.managedIDs(of: user, on: database).subtracting(settings.include)
            .union(state.shards.map(\.spotifyID))
    }

    // MARK: Sources

    /// The source playlists: by default every readable playlist the person owns or collaborates on, never
    /// Liked Songs (unless chosen) and never the shards.
    public func sources(_ settings: UnifiedSettings, managed: Set<String>) async throws -> [PlaylistRecord] {
        let all = try await PlaylistRecord.query(on: database).filter(\.$user.$id == user.requireID()).filter(\.$goneAt == nil)
            .sort(\.$listPosition).all()
        let include = Set(settings.include)
        let exclude = Set(settings.exclude)
        var chosen = all.filter { playlist in
            guard !playlist.isLiked, playlist.canReadItems, !managed.contains(playlist.spotifyID),
                !exclude.contains(playlist.spotifyID)
            else { return false }
            if !include.isEmpty { return include.contains(playlist.spotifyID) }
            return playlist.ownerID == user.spotifyID || (playlist.collaborative && playlist.canEdit)
        }
        if settings.liked, let liked = all.first(where: \.isLiked) { chosen.append(liked) }
        return chosen
    }

    /// A digest of the settings and the sources' snapshots: when it is unchanged, so is the desired list.
    public func signature(_ settings: UnifiedSettings, sources: [PlaylistRecord]) throws -> String {
        var text = try JSONValue.text(encoding: settings)
        for source in sources {
            // Liked Songs has no snapshot: its entry count and newest entry stand in for one.
            text +=
                "\n\(source.spotifyID) \(source.snapshotID ?? "-") \(source.entryCount) \(source.lastSyncedAt.map { "\($0)" } ?? "")"
        }
        return Hex.string(SHA256.hash(data: Data(text.utf8)))
    }

    /// Whether a scheduled sync should update the unified playlist: the person set it up, left it automatic,
    /// and its sources or settings changed since the last update.
    public func scheduledUpdateIsDue() async throws -> Bool {
        guard let record = try await record() else { return false }
        let (settings, state) = try Self.decode(record)
        guard settings.automatic else { return false }
        let sources = try await sources(settings, managed: try await managed(settings, state))
        return try signature(settings, sources: sources) != state.sourcesSignature
    }

    // MARK: Updating

    /// Plans the update from the mirror and, unless `preview`, applies it: journal first, the writes, then
    /// each written shard is read back and compared with the plan. A preview may try `settings` that are
    /// not saved yet; an update uses the saved ones.
    public func update(preview: Bool = false, settings proposed: UnifiedSettings? = nil) async throws -> UnifiedReport {
        var (settings, state) = try await load()
        if preview, let proposed { settings = proposed }
        let sources = try await sources(settings, managed: try await managed(settings, state))
        var notes: [String] = []
        let unreadable = settings.include.filter { id in !sources.contains { $0.spotifyID == id } }
        if !unreadable.isEmpty {
            notes.append("\(unreadable.count) included playlist(s) cannot be used: gone, not readable, or managed by Playkeeper")
        }

        let (entries, skipped, sourceViews) = try await sourceEntries(sources, settings: settings)
        let (current, written, records) = try await currentShards(state, settings: settings, notes: &notes)

        var options = settings.planOptions
        options.shardSize = shardSize
        let plan = UnifiedPlan.make(
            sources: entries, current: current, lastWritten: state.shards.isEmpty ? nil : written,
            remembered: Set(state.remembered), options: options)
        let newlyRemoved = plan.personRemoved.subtracting(state.remembered).count
        if newlyRemoved > 0 {
            notes.append("\(newlyRemoved) song(s) you removed in the app stay out; they will not be added again")
        }
        if !plan.restored.isEmpty {
            notes.append(
                "\(plan.restored.count) song(s) removed in the app are put back, as the policy restores Playkeeper's list")
        }
        if !plan.personAdded.isEmpty {
            notes.append("\(plan.personAdded.count) song(s) you added in the app stay")
        }
        if state.shards.isEmpty { notes.append("\(settings.name) is created") }

        var report = UnifiedReport(
            status: preview ? "preview" : (plan.writeCount == 0 ? "unchanged" : "updated"), settings: settings,
            songs: plan.shards.reduce(0) { $0 + $1.expected.count }, sources: sourceViews,
            shards: plan.shards.map { shard in
                UnifiedReport.Shard(
                    index: shard.shard, name: settings.shardName(shard.shard),
                    spotifyID: shard.shard < state.shards.count && !shard.create ? state.shards[shard.shard].spotifyID : nil,
                    create: shard.create, entries: shard.expected.count, removed: shard.removals.flatMap { $0 },
                    added: shard.appends.reduce(0) { $0 + $1.count },
                    calls: shard.removals.count + shard.appends.count + (shard.create ? 1 : 0), journalID: nil, status: nil)
            },
            writes: plan.writeCount, skipped: skipped, personRemoved: plan.personRemoved.count, restored: plan.restored.count,
            notes: notes, lastUpdatedAt: state.updatedAt)
        let signature = try signature(settings, sources: sources)
        if preview { return report }

        state.remembered = plan.personRemoved.sorted()
        for shard in plan.shards {
            let index = shard.shard
            let calls = shard.removals.count + shard.appends.count + (shard.create ? 1 : 0)
            guard calls > 0 else { continue }
            // Create the shard first and remember it at once, so a killed run does not create it twice.
            var record = index < records.count ? records[index] : nil
            if shard.create {
                // The intent first, with the marker the new playlist will carry.
                let marker = CreatedPlaylist.newMarker()
                state.creating = .init(index: index, marker: marker)
                try await save(settings, state)
                record = try await createShard(name: settings.shardName(index), marker: marker, settings: settings)
                let created = UnifiedState.Shard(spotifyID: record!.spotifyID, lastWritten: [], snapshotID: nil)
                if index < state.shards.count { state.shards[index] = created } else { state.shards.append(created) }
                state.creating = nil
                report.shards[index].spotifyID = created.spotifyID
                try await save(settings, state)
            }
            guard let record else { continue }
            // Until the writes are verified, only songs both written before and still wanted count as written:
            // a song missing after an interrupted run is then never mistaken for one the person removed.
            let wanted = Set(shard.expected)
            state.shards[index].lastWritten = state.shards[index].lastWritten.filter { wanted.contains($0) }
            try await save(settings, state)

            let operations =
                shard.removals.map(DedupePlan.Operation.remove) + shard.appends.map(DedupePlan.Operation.append)
            let before = (current.indices.contains(index) ? current[index] : nil) ?? []
            let journal = try await dedupe.journalFirst(
                kind: .unify, playlist: record, snapshot: record.snapshotID,
                entries: before.map { DedupeService.PlanBody.Entry(uri: $0, addedAt: nil, isLocal: false) },
                operations: operations)
            report.shards[index].journalID = journal.id
            let done: JournalRecord
            do {
                done = try await dedupe.run(operations, expected: shard.expected, journal: journal, playlist: record)
            } catch {
                report.shards[index].status = "failed"
                throw error
            }
            report.shards[index].status = done.status.rawValue
            if done.status != .verified { report.status = "mismatch" }
            state.shards[index].lastWritten = shard.expected.filter { !plan.personAdded.contains($0) }
            state.shards[index].snapshotID = done.snapshotAfter
            try await save(settings, state)
        }
        // Shards nothing was written to: their snapshot is the one Playkeeper now accepts.
        for (index, record) in records.enumerated() where report.shards[index].calls == 0 {
            if let record { state.shards[index].snapshotID = record.snapshotID }
        }
        if let previous = state.name, previous != settings.name, !state.shards.isEmpty {
            state.renaming = settings.name
            try await save(settings, state)
            try await renameShards(settings, state)
            report.notes.append("renamed from \(previous) to \(settings.name)")
        }
        state.name = settings.name
        state.renaming = nil
        state.sourcesSignature = signature
        state.updatedAt = client.clock.now
        try await save(settings, state)
        report.lastUpdatedAt = state.updatedAt
        return report
    }

    /// The sources' entries as the planner sees them, what cannot be added, and a summary per source.
    private func sourceEntries(_ sources: [PlaylistRecord], settings: UnifiedSettings) async throws
        -> (entries: [[UnifiedPlan.SourceEntry]], skipped: [UnifiedReport.Skipped], views: [UnifiedReport.Source])
    {
        var entries: [[UnifiedPlan.SourceEntry]] = []
        var skipped: [UnifiedReport.Skipped] = []
        var sourceViews: [UnifiedReport.Source] = []
        for source in sources {
            // Only the `recording` and `similar` levels need the catalogue (ISRCs, titles and artists).
            let records: [EntrySummary]
            var items: [DedupeItem]?
            if settings.match == .exact {
                records = try await EntrySummary.of(playlist: source.requireID(), on: database)
            } else {
                let (full, known) = try await dedupe.items(of: source)
                records = full.map(EntrySummary.init)
                items = known
            }
            var list: [UnifiedPlan.SourceEntry] = []
            list.reserveCapacity(records.count)
            for (offset, record) in records.enumerated() {
                let item = items?[offset]
                let entry = UnifiedPlan.SourceEntry(
                    uri: record.uri, addedAt: record.addedAt, isLocal: record.isLocal, isEpisode: record.kind == "episode",
                    isAvailable: record.isAvailable, isrc: item?.isrc,
                    similarKey: settings.match == .similar
                        ? DuplicateFinder.similarKey(name: item?.name, artists: item?.artists ?? []) : nil)
                if entry.uri == nil || entry.isLocal || !entry.isAvailable {
                    skipped.append(
                        .init(uri: record.uri, playlist: source.name, reason: record.isLocal ? "local file" : "unavailable"))
                }
                list.append(entry)
            }
            entries.append(list)
            sourceViews.append(.init(id: source.spotifyID, name: source.name, entries: records.count))
        }

        return (entries, skipped, sourceViews)
    }

    /// The shards as they are now (`nil` for one deleted in the app), what Playkeeper last wrote to each, and
    /// their rows. A shard deleted in the app is created again: its songs were not removed by the person, so
    /// they are not remembered as removals.
    private func currentShards(_ state: UnifiedState, settings: UnifiedSettings, notes: inout [String]) async throws
        -> (current: [[String]?], written: [[String]], records: [PlaylistRecord?])
    {
        var current: [[String]?] = []
        var written: [[String]] = []
        var records: [PlaylistRecord?] = []
        for (index, shard) in state.shards.enumerated() {
            let record = try await PlaylistRecord.query(on: database).filter(\.$user.$id == user.requireID())
                .filter(\.$spotifyID == shard.spotifyID).filter(\.$goneAt == nil).first()
            records.append(record)
            guard let record else {
                current.append(nil)
                written.append([])
                notes.append("\(settings.shardName(index)) was deleted in the Spotify app; it is created again")
                continue
            }
            let uris = try await EntrySummary.of(playlist: record.requireID(), on: database).compactMap(\.uri)
            current.append(uris)
            written.append(shard.lastWritten)
            if let snapshot = shard.snapshotID, record.snapshotID != snapshot {
                notes.append("\(record.name) was edited in the Spotify app since Playkeeper last wrote it")
            }
        }

        return (current, written, records)
    }

    /// Renames the shards after the name setting changed.
    private func renameShards(_ settings: UnifiedSettings, _ state: UnifiedState) async throws {
        for (index, shard) in state.shards.enumerated() {
            do {
                try await client.changeDetails(shard.spotifyID, name: settings.shardName(index))
            } catch let error as SpotifyError where error.status == 404 {
                // Deleted in the app: the next update creates it again, with the new name.
                logger.notice("shard \(index) is gone; not renamed")
                continue
            }
            if let record = try await PlaylistRecord.query(on: database).filter(\.$user.$id == user.requireID())
                .filter(\.$spotifyID == shard.spotifyID).first()
            {
                record.name = settings.shardName(index)
                try await record.save(on: database)
            }
        }
    }

    /// `POST /me/playlists` with the marker, then the new playlist's row in the mirror.
    private func createShard(name: String, marker: String, settings: UnifiedSettings) async throws -> PlaylistRecord {
        try await CreatedPlaylist.create(
            name: name, description: "Every song of your playlists, one copy each.", marker: marker,
            isPublic: settings.isPublic, client: client, user: user, on: database)
    }

    /// After a run was interrupted while renaming the shards: renames them all (a rename is the same whether
    /// it was applied before or not).
    func recoverRename() async throws -> RecoveryOutcome? {
        guard let record = try await record() else { return nil }
        var (settings, state) = try Self.decode(record)
        guard let target = state.renaming else { return nil }
        var named = settings
        named.name = target
        try await renameShards(named, state)
        state.name = target
        state.renaming = nil
        try await save(settings, state)
        return RecoveryOutcome(
            journalID: nil, playlist: target, status: .verified, summary: "its rename to \(target) was interrupted; finished")
    }

    /// After a run was interrupted while creating a shard: finds the playlist by the marker in its description
    /// (the person may have renamed it) and keeps it, or, when Spotify never made it, forgets the intent so the
    /// next update creates it.
    func recoverCreation(origin: String) async throws -> RecoveryOutcome? {
        guard let record = try await record() else { return nil }
        var (settings, state) = try Self.decode(record)
        guard let creating = state.creating else { return nil }
        state.creating = nil
        guard let found = try await CreatedPlaylist.find(creating.marker, client: client) else {
            try await save(settings, state)
            return RecoveryOutcome(
                journalID: nil, playlist: settings.shardName(creating.index), status: .abandoned,
                summary: "its creation was interrupted before Spotify made it; the next update creates it")
        }
        let adopted = try await CreatedPlaylist.adopt(found, name: settings.shardName(creating.index), user: user, on: database)
        let shard = UnifiedState.Shard(spotifyID: adopted.spotifyID, lastWritten: [], snapshotID: nil)
        if creating.index < state.shards.count {
            state.shards[creating.index] = shard
        } else {
            state.shards.append(shard)
        }
        state.sourcesSignature = nil
        try await save(settings, state)
        logger.notice("adopted shard \(creating.index) found by its marker", metadata: ["by": "\(origin)"])
        return RecoveryOutcome(
            journalID: nil, playlist: adopted.name, status: .verified,
            summary: "its creation was interrupted after Spotify made it; found by its marker \(creating.marker) and kept")
    }

    // MARK: Undo

    /// After an undo restored one of the shards, records the restored list as Playkeeper's, so that the next
    /// update converges again without treating the undo as the person's edits. Other playlists are not its own.
    func noteRestored(_ playlist: PlaylistRecord, by undo: JournalRecord) async throws {
        let (settings, loaded) = try await load()
        var state = loaded
        guard let index = state.shards.firstIndex(where: { $0.spotifyID == playlist.spotifyID }) else { return }
        state.shards[index].lastWritten = try await EntrySummary.of(playlist: playlist.requireID(), on: database)
            .compactMap(\.uri)
        state.shards[index].snapshotID = undo.snapshotAfter
        state.sourcesSignature = nil
        try await save(settings, state)
    }

}
