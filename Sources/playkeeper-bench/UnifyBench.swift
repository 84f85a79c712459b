import App
import ArgumentParser
import Fluent
import FluentKit
import Foundation
import Library
import Logging
import PlaykeeperJSON
import SpotifyWebAPI
import Store
import Vapor

/// `playkeeper-bench unify`: builds the unified playlist of a large library, then updates it after new songs.
struct UnifyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unify", abstract: "Builds the unified playlist, then updates it after new songs; prints writes and time.")

    @ArgumentParser.Option(help: "Distinct songs across the sources.") var songs = 20_000
    @ArgumentParser.Option(help: "New songs added across the sources before the update.") var new = 150
    @ArgumentParser.Option(help: "Source playlists.") var playlists = 40
    @ArgumentParser.Option(name: .customLong("latency-ms"), help: "Emulator latency per request.") var latencyMS = 0

    func run() async throws {
        guard songs > 0, new >= 0, playlists > 0, songs / playlists < 9_000 else {
            throw ValidationError("--songs and --playlists must be positive, with under 9,000 songs per playlist")
        }
        print("playkeeper-bench unify: \(songs) songs in \(playlists) playlists, then \(new) new; latency \(latencyMS) ms")
        try await BenchRun.with(emulator: ["--playlists", "0", "--latency-ms", "\(latencyMS)"]) { run in
            let (emulator, app, directory, logger) = (run.emulator, run.app, run.directory, run.logger)
            try await emulator.call(
                .PUT, "/__emulator/library", json: Self.library(songs: songs + new, sources: playlists, shown: songs))
            try await MirrorContext.configureDatabase(app, location: .sqlite(path: directory.file("bench.sqlite").path))
            let login = try await BenchLogin.make(app: app, emulator: emulator, logger: logger)
            let client = login.api.client(for: "demo")
            let service = UnifiedService(database: app.db, client: client, user: login.user)

            _ = try await login.actions(on: app.db).sync(wait: 30, concurrency: 8)
            try await emulator.call(.DELETE, "/__emulator/requests")
            var started = Date()
            let build = try await service.update()
            let buildSeconds = Date().timeIntervalSince(started)
            let buildWrites = try await writes(emulator)
            let buildMinimum = Self.minimumWrites(existing: [], adding: songs)
            print("")
            print(
                "  first build: \(build.songs) songs in \(build.shards.count) shard(s), \(build.shards.map { $0.status ?? "-" })")
            print("  \(mark(buildWrites <= buildMinimum)) writes          \(buildWrites) (minimum \(buildMinimum))")
            print(String(format: "       time            %.2f s (plan, journal, writes, verification)", buildSeconds))

            // New songs land in the sources, as if added in the app: round-robin over the playlists.
            let edits: [JSONValue] = (0..<new).map { offset in
                [
                    "op": "add", "user": "demo", "playlist": .string(Self.playlistID(offset % playlists)),
                    "uris": [.string(Self.uri(songs + offset))],
                ]
            }
            if !edits.isEmpty { try await emulator.call(.POST, "/__emulator/edits", json: ["edits": .array(edits)]) }
            _ = try await login.actions(on: app.db).sync(wait: 30, concurrency: 8)
            try await emulator.call(.DELETE, "/__emulator/requests")
            started = Date()
            let update = try await service.update()
            let updateSeconds = Date().timeIntervalSince(started)
            let updateWrites = try await writes(emulator)
            let updateMinimum = Self.minimumWrites(existing: build.shards.map(\.entries), adding: new)
            print("  update with \(new) new songs: \(update.songs) songs, \(update.shards.count) shard(s)")
            print("  \(mark(updateWrites <= updateMinimum)) writes          \(updateWrites) (minimum \(updateMinimum))")
            print(String(format: "       time            %.2f s (plan from the mirror, writes, verification)", updateSeconds))

            try await emulator.call(.DELETE, "/__emulator/requests")
            started = Date()
            let idle = try await service.update()
            let idleWrites = try await writes(emulator)
            print(
                "  \(mark(idleWrites == 0)) nothing changed  \(idleWrites) writes, \(String(format: "%.2f", Date().timeIntervalSince(started))) s (\(idle.status))"
            )
        }
    }

    func writes(_ emulator: ExternalEmulator) async throws -> Int {
        let log = try await emulator.call(.GET, "/__emulator/requests").body
        return (log["counts"]?.objectValue ?? [:]).filter { !$0.key.hasPrefix("GET") && $0.key.contains(" /v1/") }.values
            .compactMap(\.intValue).reduce(0, +)
    }

    /// The fewest calls that add `adding` songs to shards holding `existing` entries: fill each shard's room in
    /// batches of 100, and one create per new shard.
    static func minimumWrites(existing: [Int], adding: Int) -> Int {
        var left = adding
        var calls = 0
        var shards = existing
        if shards.isEmpty && left > 0 {
            shards = [0]
            calls += 1
        }
        var index = 0
        while left > 0 {
            if index == shards.count {
                shards.append(0)
                calls += 1
            }
            let take = min(left, 10_000 - shards[index])
            calls += (take + 99) / 100
            left -= take
            index += 1
        }
        return calls
    }

    static func playlistID(_ index: Int) -> String { String(format: "unifybench%012d", index) }
    static func uri(_ index: Int) -> String { String(format: "spotify:track:u%021d", index) }

    /// `songs` tracks; the first `shown` spread over `sources` playlists, one in ten also in a second one.
    static func library(songs: Int, sources: Int, shown: Int) -> JSONValue {
        let tracks: [JSONValue] = (0..<songs).map { index in
            [
                "id": .string(String(format: "u%021d", index)), "name": .string("Song \(index)"),
                "artists": [["id": "benchartist00000000001", "name": "Bench"]],
                "album": ["id": "benchalbum000000000001", "name": "Album", "type": "album", "release_date": "2020-01-01"],
                "duration_ms": 200_000, "isrc": .string(String(format: "QZU%09d", index)), "explicit": false, "track_number": 1,
                "playable": true, "unavailable": false,
            ]
        }
        var entries = Array(repeating: [JSONValue](), count: sources)
        for index in 0..<shown {
            let entry: JSONValue = [
                "uri": .string(uri(index)),
                "added_at": .string(Date(timeIntervalSince1970: 1_700_000_000 + Double(index)).formatted(.iso8601)),
                "added_by": "demo",
            ]
            entries[index % sources].append(entry)
            if index % 10 == 0 { entries[(index / 10) % sources].append(entry) }
        }
        let playlists: [JSONValue] = (0..<sources).map { number in
            [
                "id": .string(playlistID(number)), "owner": "demo", "name": .string("Source \(number)"), "description": "",
                "public": false, "collaborative": false, "collaborators": [], "entries": .array(entries[number]),
                "editorial": false,
            ]
        }
        return [
            "users": [["id": "demo", "account_id": "acct-demo", "display_name": "Bench", "country": "DE", "allow_listed": true]],
            "tracks": .array(tracks), "episodes": [], "playlists": .array(playlists),
            "follows": ["demo": .array((0..<sources).map { .string(playlistID($0)) })], "liked": [:], "plays": [:],
        ]
    }
}
