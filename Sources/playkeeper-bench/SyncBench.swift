import App
import ArgumentParser
import Crypto
import Fluent
import FluentKit
import Foundation
import Library
import Logging
import PlaykeeperJSON
import SpotifyWebAPI
import Store
import Vapor

/// `playkeeper-bench sync`: a full sync, then an unchanged re-sync, against the emulator.
struct SyncBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Full sync then unchanged re-sync; prints calls, wall time, write rate and peak RSS.")

    @ArgumentParser.Option(help: "Playlists the user owns (default 200; 320 with --hidden-limit).") var playlists: Int?
    @ArgumentParser.Option(help: "About this many entries per playlist (default 500; 150 with --hidden-limit).")
    var items: Int?
    @ArgumentParser.Option(
        name: .customLong("hidden-limit"),
        help: "Requests per rolling 30 s the emulator allows, untold: times the adaptive request budget instead.")
    var hiddenLimit: Int?
    @ArgumentParser.Option(name: .customLong("latency-ms"), help: "Emulator latency per request.") var latencyMS = 20
    @ArgumentParser.Option(help: "Requests in flight at once.") var concurrency = 8
    @ArgumentParser.Option(help: "Library seed.") var seed = 1
    @ArgumentParser.Option(help: "A DATABASE_URL (postgres://…); a temporary SQLite file by default.") var database: String?

    func run() async throws {
        if let hiddenLimit, !(1...100_000).contains(hiddenLimit) {
            throw ValidationError("--hidden-limit is 1 to 100000 requests per 30 s")
        }
        // With a hidden limit: a library of about 1,000 calls.
        let playlists = self.playlists ?? (hiddenLimit == nil ? 200 : 320)
        let items = self.items ?? (hiddenLimit == nil ? 500 : 150)
        guard playlists >= 0, items >= 0 else { throw ValidationError("--playlists and --items cannot be negative") }
        print(
            "playkeeper-bench sync: \(playlists) playlists × ~\(items) items, latency \(latencyMS) ms, concurrency \(concurrency)"
        )
        let hidden = hiddenLimit.map { ["--rate-limit", "\($0)"] } ?? []
        try await BenchRun.with(
            emulator: [
                "--seed", "\(seed)", "--playlists", "\(playlists)", "--items", "\(items)", "--latency-ms", "\(latencyMS)",
            ] + hidden
        ) { run in
            let (emulator, app, directory, logger) = (run.emulator, run.app, run.directory, run.logger)
            let location = try DatabaseLocation.parse(database, dataDirectory: directory.url)
            try await MirrorContext.configureDatabase(app, location: location)
            print("store: \(location.description)")
            if let hiddenLimit {
                return try await HiddenLimitSync.run(
                    limit: hiddenLimit, run: run, location: location, concurrency: concurrency,
                    environment: ProcessInfo.processInfo.environment)
            }
            let login = try await BenchLogin.make(app: app, emulator: emulator, logger: logger)
            let api = login.api

            // The bound of issue #3, from the emulator's own state.
            let state = try await emulator.call(.GET, "/__emulator/state").body
            let follows = state["follows"]?["demo"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let all = state["playlists"]?.arrayValue ?? []
            let readable = all.filter { playlist in
                follows.contains(playlist["id"]?.stringValue ?? "")
                    && (playlist["owner"]?.stringValue == "demo"
                        || (playlist["collaborators"]?.arrayValue ?? []).contains("demo"))
            }
            let entries = readable.compactMap { $0["total"]?.intValue }.reduce(0, +)
            let liked = state["liked"]?["demo"]?.arrayValue?.count ?? 0
            func up(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }
            let bound =
                up(follows.count, 50) + readable.compactMap { $0["total"]?.intValue }.map { up($0, 50) + 1 }.reduce(0, +)
                + up(liked, 50)
            let unchangedBound = up(follows.count, 50) + 1
            print("library: \(follows.count) listed, \(readable.count) readable, \(entries) entries, \(liked) Liked Songs")

            try await emulator.call(.DELETE, "/__emulator/requests")
            let emulatorCPUBefore = emulator.cpuSeconds
            let ownCPUBefore = processCPUSeconds(pid: getpid())
            let engine = SyncEngine(database: app.db, client: api.client(for: "demo"), concurrency: concurrency, logger: logger)
            let started = Date()
            let first = try await login.actions(on: app.db).sync(wait: 30, engine: engine)
            let wall = Date().timeIntervalSince(started)
            let emulatorCPU = emulator.cpuSeconds - emulatorCPUBefore
            let ownCPU = processCPUSeconds(pid: getpid()) - ownCPUBefore
            let calls = try await emulator.reads()
            let floor = Double(calls) * Double(latencyMS) / 1000 / Double(concurrency)
            let written = await engine.writer.entriesWritten
            let writeSeconds = await engine.writer.writeSeconds
            let rate = Double(written) / max(writeSeconds, 1e-9)
            let rateTarget = location.isSQLite ? 50_000.0 : 30_000.0

            try await emulator.call(.DELETE, "/__emulator/requests")
            let restarted = Date()
            let second = try await login.actions(on: app.db).sync(wait: 30, engine: engine)
            let rewall = Date().timeIntervalSince(restarted)
            let recalls = try await emulator.reads()
            let rss = peakRSSMegabytes()

            print("")
            print("first sync")
            print(
                "  \(mark(calls <= bound)) API calls        \(calls) (lower bound \(bound); retries \(first.retries), re-reads \(first.rereads))"
            )
            print(
                String(
                    format: "  %@ wall time        %.2f s (latency floor %.2f s, %.2f×; target ≤ 1.2×)",
                    mark(wall <= floor * 1.2), wall, floor, wall / floor))
            print(
                String(
                    format: "       CPU              %.2f s in the sync, %.2f s in the emulator (%d cores)", ownCPU, emulatorCPU,
                    ProcessInfo.processInfo.activeProcessorCount))
            print(
                String(
                    format: "  %@ write rate       %.0f entries/s (%d entries in %.2f s of transactions; target ≥ %.0f)",
                    mark(rate >= rateTarget), rate, written, writeSeconds, rateTarget))
            print("unchanged re-sync")
            print(
                "  \(mark(recalls <= unchangedBound)) API calls        \(recalls) (bound \(unchangedBound)); \(second.playlistsChanged) playlists changed"
            )
            print(String(format: "       wall time        %.2f s", rewall))
            print(String(format: "  %@ peak RSS         %.1f MB (target ≤ 150 MB with 100k entries)", mark(rss <= 150), rss))
        }
    }
}
