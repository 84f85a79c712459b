import FluentKit
import Foundation
import Library
import SpotifyWebAPI
import Store

/// Runs one user's jobs (sync, dedupe, unify) under the per-user job lease, so two never run at once,
/// whichever process started them.
public enum UserJobs {
    /// The lease's name for a user.
    static func lease(_ user: String) -> String { "job:\(user)" }

    /// Runs `body` holding the user's lease, waiting up to `wait` seconds for another job to finish.
    public static func run<T: Sendable>(
        user: String, on database: any Database, wait: Double, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        do {
            return try await DatabaseLock.withLock(lease(user), on: database, ttl: 60, wait: wait, body)
        } catch let StoreError.leaseHeld(_, holder) {
            throw CommandFailure(
                .conflict, "another sync, dedupe or unify of \(user) is running (\(holder)); try again when it has finished")
        }
    }

    /// Syncs one user. A refresh token refused twice (re-checked under the refresh lock) marks them "needs login".
    public static func sync(
        user: String, context: MirrorContext, api: SpotifyAPI, concurrency: Int, wait: Double,
        progress: (@Sendable (SyncProgress) -> Void)? = nil
    ) async throws -> SyncReport {
        try await run(user: user, on: context.database, wait: wait) {
            try await syncHoldingLease(user: user, context: context, api: api, concurrency: concurrency, progress: progress)
        }
    }

    /// The sync itself, for callers that already hold the user's lease (a sync followed by a unify).
    public static func syncHoldingLease(
        user: String, context: MirrorContext, api: SpotifyAPI, concurrency: Int,
        progress: (@Sendable (SyncProgress) -> Void)? = nil
    ) async throws -> SyncReport {
        let engine = SyncEngine(database: context.database, client: api.client(for: user), concurrency: concurrency)
        do {
            return try await engine.run(progress: progress)
        } catch SpotifyError.reauthorizationRequired(let who, let detail) {
            // Another process may have rotated the token meanwhile: check the stored one once more.
            if (try? await api.tokens.refreshIfExpiring(for: who, within: .infinity)) != nil {
                return try await engine.run(progress: progress)
            }
            try await context.tokens.markNeedsLogin(who)
            throw SpotifyError.reauthorizationRequired(user: who, detail: detail)
        }
    }
}
