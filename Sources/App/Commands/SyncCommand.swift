import ConsoleKit
import Foundation
import Library
import PlaykeeperJSON
import Store
import Vapor

/// `playkeeper sync [--user ID] [--json]`: mirrors the library into the store.
struct SyncCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "user", help: "The Spotify user id to sync; required when several users are logged in.")
        var user: String?
        @Flag(name: "json", help: "Print the report as JSON on standard output.")
        var json: Bool
        @Option(name: "concurrency", help: "Requests to Spotify in flight at once (default 8).")
        var concurrency: Int?
        @Option(name: "wait", help: "Seconds to wait for another job of this user to finish (default 600).")
        var wait: Int?
        init() {}
    }

    var help: String {
        """
        Mirror the library: every playlist and entry, Liked Songs, and what changed since the last sync.

        Reads only playlists whose snapshot changed. Progress goes to standard error on a terminal.

        Examples:
          playkeeper sync
          playkeeper sync --user demo --json

        Exit codes: 0 ok, 1 error, 2 usage, 3 needs login, 4 rate limit or quota exhausted.
        """
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        try await CommandRunner.run(context) { try await sync(context, signature) }
    }

    private func sync(_ context: CommandContext, _ signature: Signature) async throws {
        do {
            let concurrency = try NumericInput.option(signature.concurrency, "--concurrency", in: 1...64, default: 8)
            let wait = try NumericInput.option(signature.wait, "--wait", in: 0...86_400, default: 600)
            let mirror = try await MirrorContext.open(context.application)
            let user = try await mirror.user(signature.user)
            let api = try mirror.spotify()
            let actions = UserJobs.actions(user, context: mirror, api: api, origin: "sync", printing: true)
            // Under the lease, after what recovery says: the command's own output starts here.
            let report = try await UserJobs.run(actions, wait: Double(wait)) {
                Output.progress(
                    "Syncing \(user.displayName ?? user.spotifyID) (\(user.spotifyID)) into \(mirror.location.description) …")
                return try await Output.withSyncBar { bar in
                    try await actions.syncHoldingLease(concurrency: concurrency, progress: bar)
                }
            }
            if signature.json {
                Output.result(try JSONValue(encoding: report).serialized())
            } else {
                Output.progress("Synced: \(report.summary)")
                for (id, reason) in report.failures.sorted(by: { $0.key < $1.key }) {
                    Output.progress("  not mirrored: \(id): \(reason)")
                }
            }
        }
    }
}
