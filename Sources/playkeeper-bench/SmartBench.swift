import App
import ArgumentParser
import Fluent
import FluentKit
import Foundation
import Library
import Logging
import PlaykeeperJSON
import SpotifyEmulator
import Store
import Vapor

/// `playkeeper-bench smart`: the playlists made from listening over a million plays and a mirror of 100,000
/// entries. Times evaluating every built-in, then counts the writes of the updates that matter: On repeat after a
/// day of plays, a long ranked playlist after the same day, a 100-song ranked playlist reversed in the app, and an
/// update when nothing changed.
struct SmartBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smart", abstract: "Evaluate the built-ins over a large history and mirror; count the updates' calls.")

    @ArgumentParser.Option(help: "Plays in the generated history.") var plays = 1_000_000
    @ArgumentParser.Option(help: "Playlists of 1,000 entries each in the mirrored library.") var playlists = 100
    @ArgumentParser.Option(help: "A DATABASE_URL (postgres://…); a temporary SQLite file by default.") var database: String?
    @ArgumentParser.Option(help: "Timed evaluations (the median and the slowest are printed).") var runs = 5

    func run() async throws {
        guard plays > 0, playlists > 0, runs > 0 else {
            throw ValidationError("--plays, --playlists and --runs must be positive")
        }
        print("playkeeper-bench smart: \(plays) plays, \(playlists) playlists of 1,000 entries, \(runs) runs")
        let library = LibraryGenerator(seed: 1, playlists: playlists, items: 1_000).generate()
        try await BenchRun.with(emulator: ["--playlists", "0"]) { run in
            let (emulator, app, directory, logger) = (run.emulator, run.app, run.directory, run.logger)
            try await emulator.call(.PUT, "/__emulator/library", json: try EmulatorLibrary.encoder().encode(library))
            let location = try DatabaseLocation.parse(database, dataDirectory: directory.url)
            try await MirrorContext.configureDatabase(app, location: location)
            print("store: \(location.description)")
            let login = try await BenchLogin.make(app: app, emulator: emulator, logger: logger)
            var actions = login.actions(on: app.db)
            actions.logger = logger
            var started = Date()
            let sync = try await actions.sync(wait: 30, concurrency: 8)
            let entries = try await EntryRecord.query(on: app.db).count()
            print(
                String(
                    format: "mirror: %d playlists, %d entries, synced in %.1f s", sync.playlistsListed, entries,
                    Date().timeIntervalSince(started)))

            // A million plays that end a day ago, with a story: favourites that fade, late discoveries, songs never
            // played. Imported by `playkeeper import`, as a person would.
            let now = Date()
            let generator = Self.placed(
                HistoryExportGenerator(seed: 5, plays: plays, start: now, averagePause: 60), library: library,
                endingBefore: now.addingTimeInterval(-86_400))
            let folder = directory.url.appendingPathComponent("export")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            _ = try generator.writeExtendedFiles(from: library, into: folder)
            let url: String =
                switch location {
                case .sqlite(let path): "sqlite://" + path
                case .postgres: database ?? ""
                }
            let imported = try ImportProcess.run(
                folder: folder,
                environment: [
                    "DATABASE_URL": url, "PLAYKEEPER_DATA_DIR": directory.url.path, "SPOTIFY_CLIENT_ID": "playkeeper-demo",
                    "LOG_LEVEL": "error",
                ])
            print(String(format: "history: %d plays imported in %.1f s", imported.added, imported.seconds))

            // 1. Evaluating every built-in, as an automatic update does before deciding whether to write.
            let service = actions.smartService
            let year = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: now).year!
            let builtIns = SmartBuiltIn.offered + [.topSongs(year: year)]
            print("")
            print(
                "  evaluating the built-ins over \(plays) plays and \(entries) entries, their results as a due check reads them (median and slowest of \(runs) runs)"
            )
            var counts: [String: Int] = [:]
            for builtIn in builtIns {
                let times = try await HistoryBench.time(runs) {
                    counts[builtIn.key] = try await service.result(builtIn.rule).count
                }
                print(
                    "       \(builtIn.key.padding(toLength: 21, withPad: " ", startingAt: 0)) \(times), \(counts[builtIn.key] ?? 0) songs"
                )
            }
            let all = try await HistoryBench.time(runs) {
                for builtIn in builtIns { _ = try await service.result(builtIn.rule) }
            }
            print("  \(mark(all.slowest <= 0.300)) all five              \(all) (target ≤ 300 ms)")
            // What a preview or an update adds to show the songs: their names and why each is there.
            let shown = try await HistoryBench.time(runs) {
                for builtIn in builtIns { _ = try await service.evaluate(builtIn.rule) }
            }
            print("       all five, named     \(shown) (with names and reasons, as a preview shows them)")

            // 2. Every built-in on, and a long ranked rule of one's own.
            for builtIn in builtIns { _ = try await actions.smartSetEnabled(builtIn.key, true, wait: 30) }
            _ = try await actions.smartAdd(name: "Most played of all", keepAppEdits: true, wait: 30) {
                SmartRule(sources: [.history], window: "all", order: .plays, limit: 2_000)
            }

            // 3. A day of new plays (a few rank changes), then the updates.
            var day = HistoryExportGenerator(seed: 11, plays: 400, start: now.addingTimeInterval(-86_000), averagePause: 60)
            day.end = now
            let files = day.extendedFiles(from: library).map { name, data in
                HistoryFileSource(name: "day-" + name, format: .extended) { data }
            }
            let added = try await actions.importPlays(files).reduce(0) { $0 + $1.added }
            try await emulator.call(.DELETE, "/__emulator/requests")
            started = Date()
            let updated = try await actions.smartUpdate(nil, mode: .always, wait: 30)
            let reports = updated.filter { ["on-repeat", "most-played-of-all"].contains($0.key) }
            print("")
            print(
                String(
                    format: "  after a day of %d plays (sync and %d updates: %.2f s)", added, updated.count,
                    Date().timeIntervalSince(started)))
            for report in reports {
                let within =
                    report.writes <= (report.alternative ?? report.writes) && (report.key != "on-repeat" || report.writes <= 3)
                print(
                    "  \(mark(within)) \(report.name.padding(toLength: 21, withPad: " ", startingAt: 0)) \(report.writes) call(s) by \(report.strategy), the other way \(report.alternative.map(String.init) ?? "-"); moved \(report.moved) of \(report.minimumMoves ?? 0) single moves at least, removed \(report.removed), added \(report.added)"
                        + (report.key == "on-repeat" ? " (target ≤ the minimum, ≤ 3)" : " (target ≤ the other way)"))
            }
            print(
                "       writes sent     \(try await writes(emulator)) (the reports say \(updated.reduce(0) { $0 + $1.writes }))")

            // 4. A 100-song ranked playlist reversed in the app, and the person's edits put back.
            let top = "top-\(year)"
            _ = try await actions.smartChange(top, enabled: nil, keepAppEdits: false, wait: 30)
            guard let topID = try await service.view(top).spotifyID,
                let record = try await PlaylistRecord.query(on: app.db).filter(\.$spotifyID == topID).first()
            else { throw BenchError("\(top) has no playlist") }
            let uris = try await EntrySummary.of(playlist: record.requireID(), on: app.db).compactMap(\.uri)
            try await emulator.call(
                .POST, "/__emulator/edits",
                json: [
                    "edits": [
                        ["op": "remove", "user": "demo", "playlist": .string(topID), "uris": .array(uris.map(JSONValue.string))],
                        [
                            "op": "add", "user": "demo", "playlist": .string(topID),
                            "uris": .array(uris.reversed().map(JSONValue.string)),
                        ],
                    ]
                ])
            try await emulator.call(.DELETE, "/__emulator/requests")
            let reversed = try await actions.smartUpdate([top], mode: .always, wait: 30)[0]
            print(
                "  \(mark(reversed.writes <= 2)) \(uris.count) songs reversed   \(reversed.writes) call(s) by \(reversed.strategy), edits would take \(reversed.alternative.map(String.init) ?? "-") at least (target ≤ 2)"
            )

            // 5. Nothing changed: no write, and no read beyond the sync's look at the snapshots.
            try await emulator.call(.DELETE, "/__emulator/requests")
            let idle = try await actions.smartUpdate(nil, mode: .always, wait: 30)
            for report in idle where report.writes > 0 {
                print("       \(report.name): \(report.writes) by \(report.strategy): \(report.notes)")
            }
            let log = try await emulator.call(.GET, "/__emulator/requests").body["counts"]?.objectValue ?? [:]
            let reads = log.filter { $0.key.hasPrefix("GET") && $0.key.contains(" /v1/") }
            let idleWrites = try await writes(emulator)
            let beyond = reads.keys.filter { $0 != "GET /v1/me/playlists" && $0 != "GET /v1/me/tracks" }
            print(
                "  \(mark(idleWrites == 0 && beyond.isEmpty)) nothing changed     \(idleWrites) writes, reads: \(reads.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value.intValue ?? 0)" }.joined(separator: ", ")) for \(idle.count) playlists (target 0 writes, only the snapshot check)"
            )
        }
    }

    /// The generator moved by whole days (so that its nights stay nights) until its last play falls within the day
    /// before `end`, with a story told relative to `end`.
    static func placed(_ generator: HistoryExportGenerator, library: EmulatorLibrary, endingBefore end: Date)
        -> HistoryExportGenerator
    {
        var placed = generator
        placed.story = .init(
            fadeAfter: end.addingTimeInterval(-150 * 86_400), discoverAfter: end.addingTimeInterval(-25 * 86_400))
        placed.start = end.addingTimeInterval(-Double(generator.plays) * 300)
        for _ in 0..<6 {
            var last = placed.start
            placed.forEachPlay(from: library) { last = $0.endedAt }
            let days = (end.timeIntervalSince(last) / 86_400).rounded(.down)
            if days == 0 { break }
            placed.start = placed.start.addingTimeInterval(days * 86_400)
        }
        placed.end = end
        return placed
    }

    func writes(_ emulator: ExternalEmulator) async throws -> Int {
        let log = try await emulator.call(.GET, "/__emulator/requests").body
        return (log["counts"]?.objectValue ?? [:]).filter { !$0.key.hasPrefix("GET") && $0.key.contains(" /v1/") }.values
            .compactMap(\.intValue).reduce(0, +)
    }
}
