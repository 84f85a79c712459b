import ArgumentParser
import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import Store
import Vapor

/// `playkeeper plays [--poll] [--since DATE] [--json]`: the listening history.
struct PlaysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plays",
        abstract: "List the plays in the listening history, newest first; --poll collects the recent ones first.",
        discussion: """
            The service collects plays by itself every PLAYKEEPER_PLAYS_INTERVAL (default 20 minutes). Spotify keeps \
            only the last 50, so plays older than that may be missing: each such gap is listed.

            Examples:
              playkeeper plays --poll
              playkeeper plays --since 2026-11-01 --json

            Exit codes: 0 ok, 1 error, 2 usage, 3 needs login, 4 rate limit.
            """)

    @Flag(help: "Collect the recent plays from Spotify first, as the service does every interval.")
    var poll = false
    @Option(help: "Only plays from this day (2026-11-01) or time (2026-11-01T18:00:00Z) on.")
    var since: String?
    @Option(help: "At most this many plays (default 100).")
    var limit: Int?
    @OptionGroup var person: UserOption
    @Flag(help: "Print JSON on standard output.")
    var json = false

    func run() async throws {
        let since = try self.since.map { text in
            guard let date = PlayViews.since(text) else {
                throw PlaykeeperError(.invalid, "--since takes a day like 2026-11-01 or a time like 2026-11-01T18:00:00Z")
            }
            return date
        }
        let limit = try NumericInput.option(self.limit, "--limit", in: 1...100_000, default: 100)
        try await CommandRunner.run { app in
            let (mirror, user) = try await person.open(app)
            var report: PlayCollector.Report?
            if poll {
                let actions = UserJobs.actions(user, context: mirror, api: try mirror.spotify(), origin: "plays", printing: true)
                report = try await actions.pollPlays()
                if let report, !json { Output.progress("Collected \(report.added) new play(s) of \(report.fetched) returned.") }
            }
            var query = PlayRecord.query(on: mirror.database).filter(\.$user.$id == (try user.requireID()))
            if let since { query = query.filter(\.$playedAt >= since) }
            let plays = try await query.sort(\.$playedAt, .descending).limit(limit).all()
            let gaps = try await PlayGapRecord.query(on: mirror.database).filter(\.$user.$id == (try user.requireID()))
                .filter(\.$filledAt == nil).sort(\.$startsAt, .descending).all()
            if json {
                var result: JSONObject = ["items": .array(plays.map(PlayViews.play)), "gaps": .array(gaps.map(PlayViews.gap))]
                if let report { result["poll"] = try JSONValue(encoding: report, snakeCase: true) }
                Output.result(JSONValue.object(result).serialized())
                return
            }
            if plays.isEmpty { Output.progress("No plays yet; run 'playkeeper plays --poll', or let the service collect them.") }
            plays.forEach { Output.result(PlayViews.line($0)) }
            gaps.forEach { Output.progress("Note: " + PlayViews.message($0)) }
        }
    }
}
