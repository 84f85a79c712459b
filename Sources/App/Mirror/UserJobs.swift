import FluentKit
import Foundation
import Library
import Logging
import SpotifyWebAPI
import Store

/// The CLI's, the API's and the scheduler's way to `UserActions`, the one entry point into a person's library:
/// builds it for a caller, and turns a lease that stays taken into the conflict error each adapter reports.
public enum UserJobs {
    /// The entry point for `user`, acting as `origin`. A command passes `printing` to say in one line, before
    /// its own output, what it recovered.
    public static func actions(
        _ user: UserRecord, context: MirrorContext, api: SpotifyAPI, origin: String, printing: Bool = false,
        logger: Logger? = nil
    ) -> UserActions {
        var actions = UserActions(database: context.database, api: api, tokens: context.tokens, user: user, origin: origin)
        if let logger { actions.logger = logger }
        if printing { actions.onRecovery = { Output.progress($0.line) } }
        return actions
    }

    /// Runs `body` through the entry point, waiting up to `wait` seconds for another job to finish.
    public static func run<T: Sendable>(
        _ actions: UserActions, wait: Double, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        do {
            return try await actions.exclusive(wait: wait, body)
        } catch let StoreError.leaseHeld(_, holder) {
            throw conflict(actions.user.spotifyID, holder: holder)
        }
    }

    /// Syncs one user through the entry point.
    public static func sync(
        _ actions: UserActions, concurrency: Int, wait: Double, progress: (@Sendable (SyncProgress) -> Void)? = nil
    ) async throws -> SyncReport {
        try await run(actions, wait: wait) { try await actions.syncHoldingLease(concurrency: concurrency, progress: progress) }
    }

    static func conflict(_ user: String, holder: String) -> CommandFailure {
        CommandFailure(
            .conflict, "another sync, dedupe or unify of \(user) is running (\(holder)); try again when it has finished")
    }
}
