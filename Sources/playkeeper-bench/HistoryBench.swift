import App
import Fluent
import ArgumentParser
import FluentKit
import Foundation
import Library
import Logging
import PlaykeeperJSON
import SpotifyEmulator
import Store
import Vapor

/// `playkeeper-bench history`: imports a generated export of a million plays with `playkeeper import` (its own
/// process, so its peak memory is the import's alone), imports it again, times the statistics over it, and polls
/// for five people over a simulated day.
struct HistoryBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Import a generated export twice, time the statistics over it, poll for people over a simulated day.")

    @ArgumentParser.Option(help: "Plays in the generated export.") var plays = 1_000_000
    @ArgumentParser.Option(help: "A DATABASE_URL (postgres://…); a temporary SQLite file by default.") var database: String?
    @ArgumentParser.Option(help: "People polled over the simulated day.") var people = 5
    @ArgumentParser.Option(help: "Timed runs of each statistic (the median and the slowest are printed).") var runs = 7

    func run() async throws {
        guard plays > 0, people > 0, runs > 0 else { throw ValidationError("--plays, --people and --runs must be positive") }
        print("playkeeper-bench history: \(plays) plays, \(people) people polled, \(runs) runs per statistic")
        var library = LibraryGenerator(seed: 1, playlists: 20, items: 250).generate()
        let listeners = (1...people).map { "listener\($0)" }
        library.users += listeners.map { EmulatorLibrary.User(id: $0, displayName: "Listener \($0.dropFirst(8))") }
        try await BenchRun.with(emulator: ["--playlists", "0"]) { run in
            let (emulator, app, directory, logger) = (run.emulator, run.app, run.directory, run.logger)
            try await emulator.call(
                .PUT, "/__emulator/library", json: try EmulatorLibrary.encoder().encode(library))
            let location = try DatabaseLocation.parse(database, dataDirectory: directory.url)
            try await MirrorContext.configureDatabase(app, location: location)
            print("store: \(location.description)")
            let login = try await BenchLogin.make(app: app, emulator: emulator, logger: logger)
            // The person's library mirrored, so that the page's playlist coverage and never-played songs have
            // their playlists to read (and the catalogue its tracks' lengths).
            _ = try await login.actions(on: app.db).sync(wait: 30, concurrency: 8)

            // 1. The export, written one file at a time: about ten plays an hour for the waking hours.
            let folder = directory.url.appendingPathComponent("export")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let started = Date()
            let span = Double(plays) * 360
            let generator = HistoryExportGenerator(
                seed: 5, plays: plays, start: Date().addingTimeInterval(-span - 30 * 86_400), averagePause: 60)
            let files = try generator.writeExtendedFiles(from: library, into: folder)
            let bytes = try files.reduce(0) {
                $0
                    + ((try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent($1).path)[.size] as? Int)
                        ?? 0)
            }
            print(
                String(
                    format: "export: %d files, %.0f MB, written in %.1f s", files.count, Double(bytes) / 1e6,
                    Date().timeIntervalSince(started)))

            // Reading alone, on one core: what the import's pipeline overlaps with the writes.
            let readStarted = Date()
            var read = 0
            for name in files {
                let data = try Data(contentsOf: folder.appendingPathComponent(name))
                _ = PlayImporter.digest(of: data)
                read += try StreamingHistoryFile.plays(in: data, name: name, format: .extended).count
            }
            let readSeconds = Date().timeIntervalSince(readStarted)
            print(
                String(
                    format: "reading alone: %.1f s, %.0f records/s (digest and parse, one core)", readSeconds,
                    Double(read) / readSeconds))

            let url: String =
                switch location {
                case .sqlite(let path): "sqlite://" + path
                case .postgres: database ?? ""
                }
            let environment = [
                "DATABASE_URL": url, "PLAYKEEPER_DATA_DIR": directory.url.path,
                "SPOTIFY_CLIENT_ID": "playkeeper-demo", "LOG_LEVEL": "error",
            ]
            let first = try ImportProcess.run(folder: folder, environment: environment)
            let second = try ImportProcess.run(folder: folder, environment: environment)
            let target = location.isSQLite ? 50_000.0 : 30_000.0
            let firstRate = Double(plays) / first.seconds
            print("")
            print("  import (playkeeper import, its own process)")
            print(
                "  \(mark(firstRate >= target)) first       \(String(format: "%.1f s, %.0f records/s", first.seconds, firstRate)) (target ≥ \(Int(target))/s), \(first.added) plays added"
            )
            print("  \(mark(first.peakMB <= 200)) peak RSS    \(String(format: "%.0f MB", first.peakMB)) (target ≤ 200 MB)")
            let speedup = first.seconds / second.seconds
            print(
                "  \(mark(second.added == 0 && speedup >= 5)) again       \(String(format: "%.1f s, %.1f× faster", second.seconds, speedup)), \(second.added) plays added (target 0, ≥ 5×)"
            )

            // 2. The statistics over the imported plays.
            let last = try await PlayRecord.query(on: app.db).filter(\.$user.$id == login.user.requireID()).max(\.$playedAt)
            let now = last ?? Date()
            let reader = HistoryReader(database: app.db, user: login.user)
            print("")
            print("  statistics over \(plays) plays (median and slowest of \(runs) runs)")
            // The costliest range there is: most of a year of months at each end around whole years, and days.
            let earliest = try await PlayRecord.query(on: app.db).filter(\.$user.$id == login.user.requireID()).min(\.$playedAt)
            let (firstYear, lastYear) = (
                RollupRanges.civil(RollupRanges.day(of: earliest ?? now)).year, RollupRanges.civil(RollupRanges.day(of: now)).year
            )
            let ranges = lastYear - firstYear >= 3 ? ["\(firstYear + 1)-02-15..\(lastYear - 1)-11-14"] : []
            for text in ["7d", "30d", "90d", "1y", "all"] + ranges {
                let period = try ListeningPeriod.parse(text, now: now, field: "period")
                let times = try await Self.time(runs) { _ = try await reader.top(.tracks, by: .plays, limit: 50, in: period) }
                let label = text.contains("..") ? text : text.padding(toLength: 4, withPad: " ", startingAt: 0)
                print("  \(mark(times.slowest <= 0.050)) top 50 \(label) \(times) (target ≤ 50 ms)")
            }
            for text in ["30d", "all"] {
                let period = try ListeningPeriod.parse(text, now: now, field: "period")
                let times = try await Self.time(runs) { _ = try await Listening.read(reader, period: period) }
                print("       summary \(text.padding(toLength: 4, withPad: " ", startingAt: 0)) \(times)")
            }

            // 3. The Listening page, served by the service on the same store, as a browser asks for it.
            try await PageTiming.run(
                database: url, directory: directory, emulator: emulator, user: login.user, runs: runs, plays: plays)

            // 4. Polling for several people over a simulated day, every 20 minutes.
            try await PollDay.run(
                people: listeners, library: library, app: app, emulator: emulator, logger: logger)
        }
    }

    struct Times: CustomStringConvertible {
        var median: Double
        var slowest: Double
        var description: String { String(format: "%6.1f ms median, %6.1f ms slowest", median * 1000, slowest * 1000) }
    }

    /// Runs `body` once to warm up, then `runs` times.
    static func time(_ runs: Int, _ body: () async throws -> Void) async throws -> Times {
        try await body()
        var times: [Double] = []
        for _ in 0..<runs {
            let started = Date()
            try await body()
            times.append(Date().timeIntervalSince(started))
        }
        times.sort()
        return Times(median: times[times.count / 2], slowest: times.last ?? 0)
    }
}

/// `playkeeper import FOLDER --json`, run as a person would: its wall time, what it added and its peak memory.
enum ImportProcess {
    struct Outcome {
        var seconds: Double
        var added: Int
        var peakMB: Double
    }

    static func run(folder: URL, environment: [String: String]) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("playkeeper")
        process.arguments = ["import", folder.path, "--json", "--user", "demo"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let started = Date()
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problems = errors.fileHandleForReading.readDataToEndOfFile()
        FileHandle.standardError.write(problems)
        process.waitUntilExit()
        let seconds = Date().timeIntervalSince(started)
        guard process.terminationStatus == 0 else {
            throw BenchError(
                "playkeeper import failed (\(process.terminationStatus)): \(String(decoding: problems, as: UTF8.self))")
        }
        let report = try JSONValue(parsing: Array(data))
        let added = (report["files"]?.arrayValue ?? []).compactMap { $0["added"]?.intValue }.reduce(0, +)
        // The largest resident set of the children waited for so far (the imports; the emulator still runs).
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
        return Outcome(seconds: seconds, added: added, peakMB: Double(usage.ru_maxrss) / 1024)
    }
}
