import FluentKit
import Foundation
import Logging
import SpotifyWebAPI
import Store

/// What recovery did with one interrupted change, for the one line the command prints.
public struct RecoveryOutcome: Sendable, Equatable {
    public var journalID: UUID?
    public var playlist: String
    public var status: JournalStatus
    /// "interrupted after write 3 of 7; finished", "rolled back", …
    public var summary: String

    /// The line a command prints before its own output.
    public var line: String { "Recovered an interrupted change of \(playlist): \(summary)." }
}

/// Finds the changes that were interrupted (killed process, restarted machine, lost reply) and settles each one:
/// finished when the playlist is where the change's own writes leave it, rolled back when only songs the change
/// took out are missing, and otherwise left alone as `needs_attention`. The caller holds the person's lease,
/// so an entry still `applying` belongs to nobody.
public struct Recovery: Sendable {
    public let database: any Database
    public let client: SpotifyClient
    public let user: UserRecord
    /// Who recovers: "sync", "the service's start", "the scheduler", …
    public let origin: String
    public var logger = Logger(label: "playkeeper.recovery")

    public init(database: any Database, client: SpotifyClient, user: UserRecord, origin: String) {
        self.database = database
        self.client = client
        self.user = user
        self.origin = origin
    }

    /// The person's changes that were started and not settled, oldest first.
    public static func open(for user: UserRecord, on database: any Database) async throws -> [JournalRecord] {
        try await JournalRecord.query(on: database).filter(\.$user.$id == user.requireID())
            .filter(\.$status ~~ [JournalStatus.pending, .applying]).sort(\.$createdAt).all()
    }

    /// Settles every open change of the person, and an interrupted creation of the unified or a smart playlist.
    public func run() async throws -> [RecoveryOutcome] {
        var outcomes: [RecoveryOutcome] = []
        if let adopted = try await unified.recoverCreation(origin: origin) { outcomes.append(adopted) }
        if let renamed = try await unified.recoverRename() { outcomes.append(renamed) }
        outcomes += try await smart.recoverCreations()
        for journal in try await Self.open(for: user, on: database) {
            outcomes.append(try await settle(journal))
        }
        return outcomes
    }

    var dedupe: DedupeService {
        var service = DedupeService(database: database, client: client, user: user)
        service.logger = logger
        return service
    }

    var smart: SmartService {
        var service = SmartService(database: database, client: client, user: user)
        service.logger = logger
        return service
    }

    var unified: UnifiedService {
        var service = UnifiedService(database: database, client: client, user: user)
        service.logger = logger
        return service
    }

    /// Settles one entry: re-reads the playlist, decides, writes what is left, and records what it did.
    public func settle(_ journal: JournalRecord) async throws -> RecoveryOutcome {
        guard let playlist = try await PlaylistRecord.find(journal.$playlist.id, on: database) else {
            return try await record(journal, .abandoned, "its playlist is no longer in the mirror; nothing was done")
        }
        guard journal.status == .applying else {
            return try await record(journal, .abandoned, "interrupted before its first write; nothing was changed", playlist)
        }
        let operations = try JournalOperations.decode(journal.operations)
        let original = try JournalOperations.entries(journal.entriesBefore)
        let current = try await dedupe.currentURIs(of: playlist)
        let decision = RecoveryPlan.decide(
            original: original, operations: operations, current: current.uris, unordered: playlist.isLiked,
            canRollBack: journal.kind.canBeUndone)
        let total = operations.count
        switch decision {
        case .finish(let completed, let remaining):
            let point = completed == 0 ? "before its first write" : "after write \(completed) of \(total)"
            journal.progress = completed
            let expected = DedupePlan.simulate(operations, on: original)
            do {
                let done = try await dedupe.run(
                    remaining, expected: expected, journal: journal, playlist: playlist, snapshot: current.snapshot,
                    settlesFailures: false)
                if playlist.isLiked {
                    done.status = try await sameSongs(playlist, as: expected) ? .verified : .mismatch
                }
                try await afterFinishing(done, playlist: playlist)
                let how = done.status == .verified ? "finished" : "finished, but the read-back differs from the plan"
                return try await record(done, done.status, "interrupted \(point); \(how)", playlist)
            } catch let error as SpotifyError where error.isRefusal {
                // Spotify refuses the rest (the playlist is no longer editable, …): go back if that is safe.
                return try await rollBackOrLeave(
                    journal, playlist: playlist, original: original, operations: operations,
                    why: "interrupted \(point), and Spotify refused the rest (\(error.description))")
            }
        case .rollBack(let restore):
            return try await rollBack(
                journal, playlist: playlist, restore: restore, original: original,
                why: "interrupted, and the playlist is in no state its own writes lead to")
        case .leave(let reason):
            return try await leave(journal, playlist: playlist, reason: reason)
        }
    }

    private func rollBackOrLeave(
        _ journal: JournalRecord, playlist: PlaylistRecord, original: [String?], operations: [DedupePlan.Operation], why: String
    ) async throws -> RecoveryOutcome {
        let current = try await dedupe.currentURIs(of: playlist)
        guard journal.kind.canBeUndone,
            let restore = RecoveryPlan.rollBack(
                original: original, operations: operations, current: current.uris, unordered: playlist.isLiked)
        else { return try await leave(journal, playlist: playlist, reason: why) }
        return try await rollBack(journal, playlist: playlist, restore: restore, original: original, why: why)
    }

    /// Restores the journaled original with the given writes, and records it on the same entry.
    private func rollBack(
        _ journal: JournalRecord, playlist: PlaylistRecord, restore: [DedupePlan.Operation], original: [String?], why: String
    ) async throws -> RecoveryOutcome {
        do {
            for operation in restore { try await dedupe.perform(operation, on: playlist) }
        } catch let error as SpotifyError where error.isRefusal {
            return try await leave(
                journal, playlist: playlist, reason: "\(why); rolling back was refused too (\(error.description))")
        }
        try await SyncEngine(database: database, client: client, concurrency: 1, logger: logger).refresh(playlist)
        journal.snapshotAfter = try await PlaylistRecord.find(playlist.requireID(), on: database)?.snapshotID
        let restored =
            playlist.isLiked
            ? try await sameSongs(playlist, as: original) : try await dedupe.mirroredURIs(of: playlist) == original
        journal.error = restored ? nil : "the read-back after rolling back differs from the original"
        try await afterFinishing(journal, playlist: playlist)
        return try await record(journal, .rolledBack, "\(why); rolled back to the original", playlist)
    }

    private func leave(_ journal: JournalRecord, playlist: PlaylistRecord, reason: String) async throws -> RecoveryOutcome {
        let id = journal.id?.uuidString ?? ""
        let choices =
            journal.kind.canBeUndone
            ? "restore the original with 'playkeeper undo --force \(id)', or keep the playlist as it is and run the change again"
            : "run the change again, or restore by hand"
        return try await record(journal, .needsAttention, "\(reason); left alone: \(choices)", playlist)
    }

    /// What a settled entry means to the rest: an undo marks what it undid, a shard tells the unified playlist.
    private func afterFinishing(_ journal: JournalRecord, playlist: PlaylistRecord) async throws {
        if journal.kind == .undo, let undone = journal.undoes,
            let original = try await JournalRecord.find(undone, on: database)
        {
            original.status = .undone
            try await original.save(on: database)
        }
        try await unified.noteRestored(playlist, by: journal)
        try await smart.noteSettled(playlist, by: journal)
    }

    private func sameSongs(_ playlist: PlaylistRecord, as expected: [String?]) async throws -> Bool {
        Set(try await dedupe.currentURIs(of: playlist).uris.compactMap { $0 }) == Set(expected.compactMap { $0 })
    }

    private func record(
        _ journal: JournalRecord, _ status: JournalStatus, _ summary: String, _ playlist: PlaylistRecord? = nil
    ) async throws -> RecoveryOutcome {
        let now = client.clock.now
        journal.status = status
        journal.recovery = "\(summary) (by \(origin), \(Self.stamp(now)))"
        journal.recoveredAt = now
        journal.finishedAt = journal.finishedAt ?? now
        if status == .needsAttention { journal.error = summary }
        try await journal.save(on: database)
        return RecoveryOutcome(journalID: journal.id, playlist: playlist?.name ?? "a playlist", status: status, summary: summary)
    }

    static func stamp(_ date: Date) -> String {
        var style = Date.ISO8601FormatStyle()
        style.timeZone = TimeZone(identifier: "UTC")!
        return date.formatted(style)
    }
}

extension SpotifyError {
    /// A definite "no" from Spotify: the request was not applied and sending it again will not change that.
    public var isRefusal: Bool {
        if case .api(let status, _, _, _) = self { return (400..<500).contains(status) && status != 429 }
        return false
    }
}
