import FluentKit
import Foundation
import Logging
import SpotifyWebAPI
import Store

/// The one way into a person's library. Every operation on it (sync, preview, apply, undo, unify, export; see
/// UserActions+Operations) runs through `exclusive`, which, in this order:
/// 1. takes the person's lease in the store, so that no two such operations run at once in any process;
/// 2. settles what an earlier run left interrupted (`Recovery`), before anything else touches the library;
/// 3. runs the operation, marking the person "needs login" if Spotify refuses their refresh token.
/// Whatever fails ends as one error type, `PlaykeeperError`.
///
/// The CLI, the API, the page and the scheduler are adapters over it.
public struct UserActions: Sendable {
    public let database: any Database
    public let api: SpotifyAPI
    public let tokens: DatabaseTokenStore
    public let user: UserRecord
    /// Who acts, as recovery notes say it: "sync", "the service's start", "the scheduler", …
    public let origin: String
    /// Told about every interrupted change that was settled; a command prints it before its own output.
    /// Without it, each is logged.
    public var onRecovery: (@Sendable (RecoveryOutcome) -> Void)?
    public var logger = Logger(label: "playkeeper.library")
    /// The most songs a shard of the unified playlist holds (`PLAYKEEPER_SHARD_SIZE`).
    public var shardSize = 10_000
    /// The play length from which a play counts in the statistics (`PLAYKEEPER_COUNTS_AFTER`).
    public var countsAfterMS = ListeningStats.defaultMinimumMS

    public init(database: any Database, api: SpotifyAPI, tokens: DatabaseTokenStore, user: UserRecord, origin: String) {
        self.database = database
        self.api = api
        self.tokens = tokens
        self.user = user
        self.origin = origin
    }

    public var client: SpotifyClient { api.client(for: user.spotifyID) }

    /// The lease's name for a person.
    public static func leaseName(_ user: String) -> String { "job:\(user)" }

    /// Proof that the person's lease is held: only `exclusive` makes one, and what assumes the lease (a sync,
    /// which marks the person's running syncs interrupted) takes one.
    public struct Lease: Sendable {
        public let user: String
        init(user: String) { self.user = user }
    }

    /// Runs `body` holding the person's lease (waiting up to `wait` seconds for another operation), after
    /// settling interrupted changes; a refused refresh token marks the person "needs login". A lease that stays
    /// taken is a `PlaykeeperError` of kind `conflict`.
    public func exclusive<T: Sendable>(wait: Double, _ body: @Sendable (Lease) async throws -> T) async throws -> T {
        let lease = Lease(user: user.spotifyID)
        do {
            return try await DatabaseLock.withLock(Self.leaseName(user.spotifyID), on: database, ttl: 60, wait: wait) {
                try await recoverHoldingLease(lease)
                return try await withReauthorization { try await body(lease) }
            }
        } catch let StoreError.leaseHeld(_, holder) {
            throw PlaykeeperError(
                .conflict,
                "another sync, dedupe or unify of \(user.spotifyID) is running (\(holder)); try again when it has finished")
        }
    }

    /// The people with a change to settle, in two queries whatever their number (the service's start).
    public static func peopleWithChangesToSettle(on database: any Database) async throws -> Set<UUID> {
        var people = Set(
            try await JournalRecord.query(on: database).filter(\.$status ~~ [JournalStatus.pending, .applying]).all(\.$user.$id))
        for record in try await UnifiedConfigRecord.query(on: database).all()
        where try UnifiedService.decode(record).state.hasUnfinishedIntent {
            people.insert(record.$user.id)
        }
        for record in try await SmartPlaylistRecord.query(on: database).all()
        where try SmartService.decode(record).state.creating != nil {
            people.insert(record.$user.id)
        }
        return people
    }

    /// Whether the person has a change to settle. A read that needs neither Spotify nor the lease otherwise
    /// (an export) goes through `exclusive` only then.
    public static func needsRecovery(_ user: UserRecord, on database: any Database) async throws -> Bool {
        if !(try await Recovery.open(for: user, on: database)).isEmpty { return true }
        if try await SmartService.hasUnfinishedCreation(of: user, on: database) { return true }
        guard let record = try await UnifiedConfigRecord.query(on: database).filter(\.$user.$id == user.requireID()).first()
        else { return false }
        return try UnifiedService.decode(record).state.hasUnfinishedIntent
    }

    /// Settles interrupted changes, under the person's lease.
    @discardableResult
    func recoverHoldingLease(_ lease: Lease) async throws -> [RecoveryOutcome] {
        guard try await Self.needsRecovery(user, on: database) else { return [] }
        let recovery = {
            var recovery = Recovery(database: database, client: client, user: user, origin: origin)
            recovery.logger = logger
            return recovery
        }()
        let outcomes = try await withReauthorization { try await recovery.run() }
        for outcome in outcomes {
            if let onRecovery {
                onRecovery(outcome)
            } else {
                logger.notice("\(outcome.line)", metadata: ["user": "\(user.spotifyID)", "by": "\(origin)"])
            }
        }
        return outcomes
    }

    // MARK: Operations

    /// Syncs the person's mirror, under the lease.
    public func sync(wait: Double, concurrency: Int, progress: (@Sendable (SyncProgress) -> Void)? = nil) async throws
        -> SyncReport
    {
        try await sync(
            wait: wait, engine: SyncEngine(database: database, client: client, concurrency: concurrency), progress: progress)
    }

    /// Runs `engine` (a benchmark's, whose writer it reads after) under the lease.
    public func sync(wait: Double, engine: SyncEngine, progress: (@Sendable (SyncProgress) -> Void)? = nil) async throws
        -> SyncReport
    {
        try await exclusive(wait: wait) { lease in try await engine.run(under: lease, progress: progress) }
    }

    /// The sync itself, for an operation that already holds the lease (a sync followed by a unify).
    public func syncHoldingLease(
        _ lease: Lease, concurrency: Int, progress: (@Sendable (SyncProgress) -> Void)? = nil
    ) async throws -> SyncReport {
        let engine = SyncEngine(database: database, client: client, concurrency: concurrency)
        return try await withReauthorization { try await engine.run(under: lease, progress: progress) }
    }

    /// Runs `body`; a refresh token refused (re-checked once under the refresh lock, since another process may
    /// have rotated it) marks the person "needs login".
    func withReauthorization<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch SpotifyError.reauthorizationRequired(let who, let detail) {
            if (try? await api.tokens.refreshIfExpiring(for: who, within: .infinity)) != nil {
                return try await body()
            }
            try await tokens.markNeedsLogin(who)
            throw SpotifyError.reauthorizationRequired(user: who, detail: detail)
        }
    }
}
