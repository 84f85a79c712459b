import ArgumentParser
import Foundation
import Library
import PlaykeeperJSON
import Store
import Vapor

/// `playkeeper sync [--user ID] [--json]`: mirrors the library into the store.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Mirror the library: every playlist and entry, Liked Songs, and what changed since the last sync.",
        discussion: """
            Reads only playlists whose snapshot changed. Progress goes to standard error on a terminal.

            Examples:
              playkeeper sync
              playkeeper sync --user demo --json

            Exit codes: 0 ok, 1 error, 2 usage, 3 needs login, 4 rate limit or quota exhausted, 5 another job of \
            this user runs past --wait.
            """)

    @OptionGroup var person: UserOption
    @Flag(help: "Print the report as JSON on standard output.")
    var json = false
    @Option(help: "Requests to Spotify in flight at once (default 8).")
    var concurrency: Int?
    @Option(help: "Seconds to wait for another job of this user to finish (default 600).")
    var wait: Int?

    func run() async throws {
        try await CommandRunner.run { app in
            let concurrency = try NumericInput.option(self.concurrency, "--concurrency", in: 1...64, default: 8)
            let wait = try NumericInput.option(self.wait, "--wait", in: 0...86_400, default: 600)
            let (mirror, user) = try await person.open(app)
            let api = try mirror.spotify()
            let actions = UserJobs.actions(user, context: mirror, api: api, origin: "sync", printing: true)
            // Under the lease, after what recovery says: the command's own output starts here.
            let report = try await actions.exclusive(wait: Double(wait)) { lease in
                Output.progress(
                    "Syncing \(user.displayName ?? user.spotifyID) (\(user.spotifyID)) into \(mirror.location.description) …")
                return try await Output.withSyncBar { bar in
                    try await actions.syncHoldingLease(lease, concurrency: concurrency, progress: bar)
                }
            }
            if json {
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
