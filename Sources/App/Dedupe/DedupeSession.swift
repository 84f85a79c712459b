import FluentKit
import Foundation
import Library
import SpotifyWebAPI
import Store
import Vapor

/// The store, the user, Spotify and the dedupe service, as the dedupe commands need them.
struct DedupeSession {
    let mirror: MirrorContext
    let user: UserRecord
    let api: SpotifyAPI
    let service: DedupeService
    /// The entry point the command goes through; it says what it recovered before the command's output.
    let actions: UserActions

    static func open(_ context: CommandContext, user requested: String?, origin: String) async throws -> DedupeSession {
        let mirror = try await MirrorContext.open(context.application)
        let user = try await mirror.user(requested)
        let api = try mirror.spotify()
        let service = DedupeService(database: mirror.database, client: api.client(for: user.spotifyID), user: user)
        return DedupeSession(
            mirror: mirror, user: user, api: api, service: service,
            actions: UserJobs.actions(user, context: mirror, api: api, origin: origin, printing: true))
    }

    /// Brings the mirror up to date (cheap when nothing changed), so previews are computed on the current snapshot.
    func sync() async throws {
        _ = try await Output.withSyncBar { bar in try await UserJobs.sync(actions, concurrency: 8, wait: 600, progress: bar) }
    }

    /// Runs `body` through the entry point: it waits for another job of the person, then recovers first.
    func exclusive<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await UserJobs.run(actions, wait: 600, body)
    }

    static func level(_ text: String?) throws -> MatchLevel {
        guard let text else { return .exact }
        guard let level = MatchLevel(rawValue: text) else {
            throw CommandFailure(.usage, "--match is exact, recording or similar, not '\(text)'")
        }
        return level
    }

    static func policy(_ text: String?) throws -> KeepPolicy {
        guard let text else { return .first }
        guard let policy = KeepPolicy(rawValue: text) else {
            throw CommandFailure(.usage, "--keep is first, oldest, newest, playable or album, not '\(text)'")
        }
        return policy
    }
}
