import FluentKit
import Foundation
import Logging
import PlaykeeperJSON
import SQLKit
import SpotifyWebAPI
import Store

/// Finds, previews, applies and undoes duplicate removal for one user. The CLI, the HTTP API and tests all
/// call this one type.
public struct DedupeService: Sendable {
    public let database: any Database
    public let client: SpotifyClient
    public let user: UserRecord
    public var logger = Logger(label: "playkeeper.dedupe")

    public init(database: any Database, client: SpotifyClient, user: UserRecord) {
        self.database = database
        self.client = client
        self.user = user
    }

    /// What a plan was computed on, stored with it.
    public struct PlanBody: Codable, Sendable {
        public struct Entry: Codable, Sendable, Equatable {
            public var uri: String?
            public var addedAt: Date?
            public var isLocal: Bool
        }
        public var entries: [Entry]
        public var groups: [DuplicateGroup]
        public var isLiked: Bool
    }

    public struct Preview: Sendable {
        public let record: PlanRecord
        public let playlist: PlaylistRecord
        public let body: PlanBody
        public let plan: DedupePlan
    }

    // MARK: Finding

    /// The mirrored entries of a playlist as duplicate finding sees them.
    public func items(of playlist: PlaylistRecord) async throws -> (entries: [EntryRecord], items: [DedupeItem]) {
        let entries = try await EntryRecord.query(on: database).filter(\.$playlist.$id == playlist.requireID()).sort(\.$position)
            .all()
        let catalog = try await CatalogItemRecord.lookup(Array(Set(entries.compactMap(\.uri))), on: database)
        let items = entries.map { entry -> DedupeItem in
            let known = entry.uri.flatMap { catalog[$0] }
            let artistIDs = (known?.artistIDs).flatMap { try? JSONValue(parsing: $0).arrayValue?.compactMap(\.stringValue) } ?? []
            return DedupeItem(
                position: entry.position, uri: entry.uri, addedAt: entry.addedAt, isLocal: entry.isLocal,
                isPlayable: entry.isPlayable,
                name: known?.name, artists: artistIDs.isEmpty ? (known?.artists.map { [$0] } ?? []) : artistIDs,
                isrc: known?.isrc,
                durationMS: known?.durationMS, albumType: known?.albumType)
        }
        return (entries, items)
    }

    public func ignoredPairs() async throws -> Set<IgnoredPair> {
        Set(
            try await IgnoredPairRecord.query(on: database).filter(\.$user.$id == user.requireID()).all().map {
                IgnoredPair($0.firstURI, $0.secondURI)
            })
    }

    /// Computes the preview of one playlist from the mirror, and stores it as a plan, unless the same plan is
    /// stored already (a preview looked at again, on the same version with the same rules): reads do not write.
    public func preview(_ playlist: PlaylistRecord, level: MatchLevel, keep: KeepPolicy) async throws -> Preview {
        let (entries, items) = try await self.items(of: playlist)
        let groups = DuplicateFinder(level: level, keep: keep, ignored: try await ignoredPairs()).groups(in: items)
        let body = PlanBody(
            entries: entries.map { .init(uri: $0.uri, addedAt: $0.addedAt, isLocal: $0.isLocal) }, groups: groups,
            isLiked: playlist.isLiked)
        let text = try JSONValue.text(encoding: body)
        let record: PlanRecord
        if let stored = try await PlanRecord.query(on: database).filter(\.$user.$id == user.requireID())
            .filter(\.$playlist.$id == playlist.requireID()).filter(\.$snapshotID == playlist.snapshotID)
            .filter(\.$matchLevel == level.rawValue).filter(\.$keepPolicy == keep.rawValue)
            .sort(\.$createdAt, .descending).first(), stored.body == text
        {
            record = stored
        } else {
            record = PlanRecord()
            record.$user.id = try user.requireID()
            record.$playlist.id = try playlist.requireID()
            record.snapshotID = playlist.snapshotID
            record.matchLevel = level.rawValue
            record.keepPolicy = keep.rawValue
            record.body = text
            record.createdAt = client.clock.now
            try await record.create(on: database)
        }
        return Preview(
            record: record, playlist: playlist, body: body, plan: Self.plan(body, groups: groups, snapshotID: playlist.snapshotID)
        )
    }

    static func plan(_ body: PlanBody, groups: [DuplicateGroup], snapshotID: String?) -> DedupePlan {
        let uris = body.entries.map(\.uri)
        guard body.isLiked else {
            return DedupePlan.make(entries: uris, groups: groups, snapshotID: snapshotID, isLocal: body.entries.map(\.isLocal))
        }
        // Liked Songs holds each URI once: removing the extra songs is all there is, 40 per call.
        let doomed = Set(groups.flatMap(\.removed))
        let removed = doomed.sorted().compactMap { uris[$0] }
        let operations = removed.chunked(SpotifyClient.libraryWriteBatch).map(DedupePlan.Operation.remove)
        return DedupePlan(
            snapshotID: nil, groups: groups, operations: operations,
            expected: uris.enumerated().filter { !doomed.contains($0.offset) }.map(\.element),
            readded: [], rebuilds: false)
    }

    // MARK: Applying

    /// Applies a stored plan, whole or only `groups`: journal first, snapshot guard, the writes, verification.
    public func apply(planID: UUID, groups selected: Set<String>? = nil) async throws -> JournalRecord {
        guard
            let record = try await PlanRecord.query(on: database).filter(\.$id == planID).filter(\.$user.$id == user.requireID())
                .first(),
            let playlist = try await PlaylistRecord.find(record.$playlist.id, on: database)
        else { throw DedupeError.notFound("plan \(planID)") }
        guard playlist.canEdit || playlist.isLiked else { throw DedupeError.notEditable(playlist.name) }
        let body = try JSONValueDecoder().decode(PlanBody.self, from: record.body)
        var groups = body.groups
        if let selected {
            let unknown = selected.subtracting(groups.map(\.id))
            guard unknown.isEmpty else {
                throw DedupeError.notFound("duplicate group \(unknown.sorted().joined(separator: ", "))")
            }
            groups = groups.filter { selected.contains($0.id) }
        }
        let plan = Self.plan(body, groups: groups, snapshotID: record.snapshotID)

        // 1. Journal first: the whole ordered entry list and the plan, before any write.
        let journal = try await journalFirst(
            kind: .dedupe, playlist: playlist, snapshot: record.snapshotID, entries: body.entries, operations: plan,
            planID: planID)

        // 2. Snapshot guard: a plan is applied only to the version it was computed on.
        if !playlist.isLiked {
            let current = try await client.playlist(playlist.spotifyID, fields: "snapshot_id").snapshotID
            guard current == record.snapshotID else {
                journal.status = .abandoned
                journal.error = "the playlist changed since the plan"
                journal.finishedAt = client.clock.now
                try await journal.save(on: database)
                throw DedupeError.stale(playlist: playlist.name, planned: record.snapshotID, current: current)
            }
        }
        return try await run(plan.operations, expected: plan.expected, journal: journal, playlist: playlist)
    }

    /// Sends the operations one by one, recording progress, then verifies the result and re-mirrors the playlist.
    ///
    /// When a write fails, the playlist is re-read at once and the change settled as recovery would (finished,
    /// rolled back or left for the person), never retried blindly: a reply that was lost may have been applied.
    /// If even the re-read fails, the entry stays `applying` and the next command or job settles it.
    func run(
        _ operations: [DedupePlan.Operation], expected: [String?], journal: JournalRecord, playlist: PlaylistRecord,
        snapshot: String? = nil, settlesFailures: Bool = true
    ) async throws -> JournalRecord {
        journal.status = .applying
        try await journal.save(on: database)
        // A move names the snapshot its positions were counted on: the one the previous write left.
        var snapshot = snapshot ?? playlist.snapshotID
        do {
            for operation in operations {
                snapshot = try await perform(operation, on: playlist, snapshot: snapshot)
                journal.progress += 1
                try await journal.save(on: database)
            }
        } catch {
            journal.error = "\(error)"
            if journal.progress == 0, let refusal = error as? SpotifyError, refusal.isRefusal {
                // Refused before anything was written: nothing changed.
                journal.status = .failed
                journal.finishedAt = client.clock.now
                try? await journal.save(on: database)
                throw error
            }
            try? await journal.save(on: database)
            guard settlesFailures else { throw error }
            let recovery = Recovery(
                database: database, client: client, user: user, origin: "the same run, after the error \(Self.brief(error))")
            guard let outcome = try? await recovery.settle(journal) else { throw error }
            logger.notice("\(outcome.line)", metadata: ["user": "\(user.spotifyID)", "by": "\(recovery.origin)"])
            return journal
        }
        // Verify: mirror the playlist again (one consistent read) and compare it with what the plan expects.
        try await SyncEngine(database: database, client: client, concurrency: 1, logger: logger).refresh(playlist)
        let stored = try await mirroredURIs(of: playlist)
        journal.snapshotAfter = try await PlaylistRecord.find(playlist.requireID(), on: database)?.snapshotID
        journal.status = stored == expected ? .verified : .mismatch
        if journal.status == .mismatch { journal.error = "the playlist differs from the expected result after the writes" }
        journal.finishedAt = client.clock.now
        try await journal.save(on: database)
        return journal
    }

    /// The playlist's URIs in order, as the mirror holds them (after a refresh, as Spotify has them).
    func mirroredURIs(of playlist: PlaylistRecord) async throws -> [String?] {
        try await EntryRecord.query(on: database).filter(\.$playlist.$id == playlist.requireID()).sort(\.$position).all()
            .map(\.uri)
    }

    /// A short name for an error in a recovery note (never a token: errors carry no secrets).
    static func brief(_ error: any Error) -> String {
        guard let spotify = error as? SpotifyError else { return String(describing: type(of: error)) }
        switch spotify {
        case .writeMayHaveBeenApplied(let endpoint, let status):
            return "\(status.map { "\($0)" } ?? "no reply") on \(endpoint)"
        default:
            return spotify.status.map { "\($0)" } ?? "of the connection"
        }
    }

    /// Sends one write; the snapshot it leaves (nil for Liked Songs, which have none). A move is sent with
    /// `snapshot`, the one its positions were counted on.
    @discardableResult
    func perform(_ operation: DedupePlan.Operation, on playlist: PlaylistRecord, snapshot: String? = nil) async throws
        -> String?
    {
        if playlist.isLiked {
            guard case .remove(let uris) = operation else {
                if case .add(let uris, _) = operation { try await client.saveToLibrary(uris: uris) }
                return nil
            }
            try await client.removeFromLibrary(uris: uris)
            return nil
        }
        let id = playlist.spotifyID
        switch operation {
        case .remove(let uris): return try await client.removeItems(id, uris: uris)
        case .add(let uris, let position): return try await client.addItems(id, uris: uris, position: position)
        case .replace(let uris): return try await client.replaceItems(id, uris: uris)
        case .append(let uris): return try await client.addItems(id, uris: uris)
        case .move(let start, let before, let length):
            return try await client.reorderItems(
                id, rangeStart: start, insertBefore: before, rangeLength: length, snapshotID: snapshot)
        }
    }

    /// The playlist's URIs and snapshot as Spotify has them now.
    func currentURIs(of playlist: PlaylistRecord) async throws -> (uris: [String?], snapshot: String?) {
        if playlist.isLiked {
            let saved = try await client.savedTracks().allItems()
            return (saved.map { $0?.track.flatMap { PlaylistItem.track($0).playlistURI } }, nil)
        }
        let entries = try await client.playlistItems(playlist.spotifyID).allItems()
        let snapshot = try await client.playlist(playlist.spotifyID, fields: "snapshot_id").snapshotID
        return (entries.map { $0?.uri }, snapshot)
    }

    // MARK: Undo

    /// Restores the entries a dedupe (or a unified playlist update) journaled, in their original order. Refused when the playlist changed
    /// since, unless forced. Spotify cannot restore the original `added_at` of re-added copies.
    public func undo(journalID: UUID, force: Bool = false) async throws -> JournalRecord {
        guard
            let original = try await JournalRecord.query(on: database).filter(\.$id == journalID).filter(
                \.$user.$id == user.requireID()
            ).first(),
            let playlist = try await PlaylistRecord.find(original.$playlist.id, on: database)
        else { throw DedupeError.notFound("journal entry \(journalID)") }
        guard original.kind.canBeUndone, original.status.canBeUndone else {
            throw DedupeError.refused(
                "journal entry \(journalID) is \(original.kind.rawValue) \(original.status.label): there is nothing to undo")
        }
        let before = try JSONValueDecoder().decode([PlanBody.Entry].self, from: original.entriesBefore)
        let target = before.map(\.uri)
        let current = try await currentURIs(of: playlist)
        if !playlist.isLiked, let after = original.snapshotAfter, current.snapshot != after, !force {
            throw DedupeError.refused("\(playlist.name) changed since this dedupe; undo with --force to restore it anyway")
        }
        let operations: [DedupePlan.Operation]
        if playlist.isLiked {
            // Re-saving restores which songs are saved, not their order or dates: they go to the top, dated today.
            let missing = Set(target.compactMap { $0 }).subtracting(current.uris.compactMap { $0 })
            let uris = target.compactMap { $0 }.filter { missing.contains($0) }
            operations = uris.chunked(SpotifyClient.libraryWriteBatch).map { .add($0, position: 0) }
        } else if let restore = RestorePlan.make(current: current.uris, original: target) {
            operations = restore
        } else if !before.contains(where: { $0.isLocal || $0.uri == nil }) {
            // The change reordered the playlist (a smart playlist's moves), or the person forced it: the playlist is
            // as the change left it or they accept losing their edits, and a rebuild restores the order.
            operations = DedupePlan.rebuild(target.compactMap { $0 })
        } else {
            throw DedupeError.refused(
                "\(playlist.name) was changed in another way since; it cannot be restored without losing entries")
        }
        let journal = try await journalFirst(
            kind: .undo, playlist: playlist, snapshot: current.snapshot,
            entries: current.uris.map {
                PlanBody.Entry(uri: $0, addedAt: nil, isLocal: $0?.hasPrefix("spotify:local:") ?? false)
            },
            operations: operations, undoes: journalID)
        let expected: [String?] = playlist.isLiked ? [] : target
        let done = try await run(operations, expected: expected, journal: journal, playlist: playlist)
        if playlist.isLiked {
            // Order is not restorable for Liked Songs: verify the set instead.
            let now = Set(try await currentURIs(of: playlist).uris.compactMap { $0 })
            done.status = Set(target.compactMap { $0 }).isSubset(of: now) ? .verified : .mismatch
            try await done.save(on: database)
        }
        original.status = .undone
        try await original.save(on: database)
        return done
    }

    /// Records a change before its first write: the entries as they are, and what will be sent.
    func journalFirst(
        kind: JournalKind, playlist: PlaylistRecord, snapshot: String?, entries: [PlanBody.Entry], operations: some Encodable,
        planID: UUID? = nil, undoes: UUID? = nil
    ) async throws -> JournalRecord {
        let journal = JournalRecord()
        journal.$user.id = try user.requireID()
        journal.$playlist.id = try playlist.requireID()
        journal.kind = kind
        journal.status = .pending
        journal.planID = planID
        journal.undoes = undoes
        journal.snapshotBefore = snapshot
        journal.entriesBefore = try JSONValue.text(encoding: entries)
        journal.operations = try JSONValue.text(encoding: operations)
        journal.progress = 0
        journal.createdAt = client.clock.now
        try await journal.create(on: database)
        return journal
    }
}
