import FluentKit
import Foundation
import Library
import SpotifyWebAPI
import Store
import Vapor

/// The store, the user and the entry point, as the dedupe commands need them.
struct DedupeSession {
    let mirror: MirrorContext
    let user: UserRecord
    /// The entry point the command goes through; it says what it recovered before the command's output.
    let actions: UserActions

    static func open(_ app: Application, user requested: String?, origin: String) async throws -> DedupeSession {
        let mirror = try await MirrorContext.open(app)
        let user = try await mirror.user(requested)
        let api = try mirror.spotify()
        return DedupeSession(
            mirror: mirror, user: user, actions: UserJobs.actions(user, context: mirror, api: api, origin: origin, printing: true)
        )
    }

    /// Brings the mirror up to date (cheap when nothing changed), then previews the playlists `targets` names,
    /// each stored as a plan.
    func previews(_ targets: DedupeTargets, level: MatchLevel, keep: KeepPolicy) async throws -> [DedupeService.Preview] {
        let database = mirror.database
        let user = self.user
        return try await Output.withSyncBar { bar in
            try await actions.preview(wait: 600, syncFirst: true, level: level, keep: keep, progress: bar) {
                try await targets.resolve(user: user, on: database)
            }
        }
    }

    /// Brings the mirror up to date.
    func sync() async throws {
        _ = try await Output.withSyncBar { bar in try await actions.sync(wait: 600, concurrency: 8, progress: bar) }
    }

    static func level(_ text: String?) throws -> MatchLevel {
        try text.map { try SettingParsers.match($0, field: "--match") } ?? .exact
    }

    static func policy(_ text: String?) throws -> KeepPolicy {
        try text.map { try SettingParsers.keep($0, field: "--keep") } ?? .first
    }
}
