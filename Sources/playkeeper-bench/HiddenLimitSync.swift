import App
import Fluent
import FluentKit
import Foundation
import Library
import Logging
import PlaykeeperJSON
import SpotifyWebAPI
import Store
import Vapor

/// `playkeeper-bench sync --hidden-limit N`: a first sync against an emulator that answers 429 past N requests in
/// any rolling 30 s, a limit Playkeeper is not told: the request budget starts from `SPOTIFY_REQUEST_BUDGET`
/// (150), keeps what it learns in the store, and is timed against the ideal of N requests every 30 s.
enum HiddenLimitSync {
    static func run(
        limit: Int, run: BenchRun, location: DatabaseLocation, concurrency: Int, environment: [String: String]
    ) async throws {
        let (emulator, app, logger) = (run.emulator, run.app, run.logger)
        let login = try await BenchLogin.make(app: app, emulator: emulator, logger: logger)
        let (start, ceiling) = try MirrorContext.requestBudgetRange(environment)
        let budget = RequestBudget(
            limit: start, ceiling: ceiling,
            store: DatabaseLearnedRateStore(database: app.db, clientID: login.api.configuration.clientID))
        let api = SpotifyAPI(
            configuration: login.api.configuration, tokenStore: login.tokens, budget: budget, logger: logger)
        let actions = UserActions(database: app.db, api: api, tokens: login.tokens, user: login.user, origin: "the benchmark")
        print("hidden limit: \(limit) requests per rolling 30 s; the budget starts from \(start) and knows nothing else")

        try await emulator.call(.DELETE, "/__emulator/requests")
        let started = Date()
        let report = try await actions.sync(wait: 30, concurrency: concurrency)
        let wall = Date().timeIntervalSince(started)
        let log = try await emulator.call(.GET, "/__emulator/requests").body
        let statuses = (log["requests"]?.arrayValue ?? []).compactMap { $0["status"]?.intValue }
        let refused = statuses.filter { $0 == 429 }.count
        let accepted = statuses.count - refused
        let ideal = Double(accepted) / Double(limit) * 30
        let bound = 1.15 * ideal + 30
        let share = Double(refused) / Double(max(1, statuses.count))
        let learned = await budget.learned
        let stored = try await RequestBudgetRecord.find(clientID: login.api.configuration.clientID, on: app.db)

        print("")
        print("first sync: \(report.playlistsListed) playlists, \(report.entriesWritten) entries written")
        print(
            "  \(mark(share <= 0.01)) calls            \(statuses.count), of them \(refused) answered 429 "
                + String(format: "(%.2f %%; target ≤ 1 %%)", share * 100))
        print(
            String(
                format:
                    "  %@ wall time        %.1f s; ideal %d calls ÷ %d × 30 s = %.1f s (%.2f×); target ≤ 1.15 × ideal + 30 s = %.1f s",
                mark(wall <= bound), wall, accepted, limit, ideal, wall / max(ideal, 1e-9), bound))
        print(
            "       learned          \(learned.limit) requests per 30 s"
                + (learned.observed.map { ", Spotify accepted \($0) before its 429" } ?? ", no 429 seen")
                + "; \(await budget.cuts) cut(s), paused \(String(format: "%.1f", await budget.rateLimitWait)) s by Retry-After")
        print("  \(mark(stored?.limit == learned.limit)) stored           \(stored.map { "\($0.limit) per 30 s" } ?? "nothing")")
    }
}
