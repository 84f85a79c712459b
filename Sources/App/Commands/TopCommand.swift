import ArgumentParser
import Foundation
import Library
import PlaykeeperJSON
import Vapor

/// `playkeeper top tracks|artists|albums [--period 30d|90d|1y|all|FROM..TO] [--by plays|time] [--json]`.
struct TopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "The most played tracks, artists or albums of a period, from the listening history.",
        discussion: """
            A play counts from 30 seconds of listening; a polled play counts in full. Import your Spotify data \
            ('playkeeper import') for the years before Playkeeper.

            Examples:
              playkeeper top tracks
              playkeeper top artists --period 1y --by time
              playkeeper top albums --period 2026-01-01..2026-03-31 --json

            Exit codes: 0 ok, 1 error, 2 usage.
            """)

    @Argument(help: "tracks, artists or albums.")
    var kind: String
    @Option(help: "7d, 30d (default), 90d, 1y, all, or FROM..TO.")
    var period: String?
    @Option(help: "plays (default) or time.")
    var by: String?
    @Option(help: "How many (default 20).")
    var limit: Int?
    @OptionGroup var person: UserOption
    @Flag(help: "Print JSON on standard output.")
    var json = false

    func run() async throws {
        let kind = try StatsViews.kind(self.kind, field: "the kind", as: .invalid)
        let order = try StatsViews.order(by ?? "plays", field: "--by", as: .invalid)
        let limit = try NumericInput.option(self.limit, "--limit", in: 1...1_000, default: 20)
        let period = try ListeningPeriod.parse(self.period ?? "30d", now: Date(), field: "--period")
        try await CommandRunner.run { app in
            let (mirror, user) = try await person.open(app)
            let reader = HistoryReader(database: mirror.database, user: user, minimumMS: mirror.countsAfterMS)
            let top = try await reader.top(kind, by: order, limit: limit, in: period)
            if json {
                Output.result(StatsViews.top(top, kind: kind, order: order, period: period).serialized())
                return
            }
            if top.isEmpty { Output.progress("No plays in \(period.label); 'playkeeper plays --poll' or 'playkeeper import'.") }
            for (index, entry) in top.enumerated() { Output.result(StatsViews.line(entry, rank: index + 1, order: order)) }
        }
    }
}
