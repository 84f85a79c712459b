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

/// `playkeeper-bench dedupe`: one large playlist with duplicates; planning and applying, timed.
struct DedupeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedupe", abstract: "Plans and applies a dedupe of one large playlist; prints the writes and the time.")

    @ArgumentParser.Option(help: "Entries in the playlist.") var items = 5000
    @ArgumentParser.Option(name: .customLong("dup-rate"), help: "Fraction of entries that are extra copies.") var dupRate = 0.1
    @ArgumentParser.Option(name: .customLong("latency-ms"), help: "Emulator latency per request.") var latencyMS = 0
    @ArgumentParser.Option(help: "Library seed.") var seed = 1

    func run() async throws {
        guard (0..<1).contains(dupRate), items > 0 else {
            throw ValidationError("--items must be positive and --dup-rate in 0..<1")
        }
        print("playkeeper-bench dedupe: \(items) entries, duplicate rate \(dupRate), latency \(latencyMS) ms")
        try await BenchRun.with(emulator: ["--playlists", "0", "--latency-ms", "\(latencyMS)"]) { run in
            let (emulator, app, directory, logger) = (run.emulator, run.app, run.directory, run.logger)
            try await emulator.call(
                .PUT, "/__emulator/library", json: Self.library(items: items, dupRate: dupRate, seed: UInt64(seed)))
            try await MirrorContext.configureDatabase(app, location: .sqlite(path: directory.file("bench.sqlite").path))
            let login = try await BenchLogin.make(app: app, emulator: emulator, logger: logger)
            let api = login.api
            let user = login.user
            _ = try await login.actions(on: app.db).sync(wait: 30, concurrency: 8)
            let playlist = try await PlaylistRecord.query(on: app.db).filter(\.$spotifyID == "bench0000000000000000x").first()!
            let service = DedupeService(database: app.db, client: api.client(for: "demo"), user: user)

            let planStarted = Date()
            let preview = try await service.preview(playlist, level: .exact, keep: .first)
            let planSeconds = Date().timeIntervalSince(planStarted)
            try await emulator.call(.DELETE, "/__emulator/requests")
            let applyStarted = Date()
            let journal = try await service.apply(planID: try preview.record.requireID())
            let applySeconds = Date().timeIntervalSince(applyStarted)
            let log = try await emulator.call(.GET, "/__emulator/requests").body
            let writes = (log["counts"]?.objectValue ?? [:]).filter {
                $0.key.hasSuffix("/playlists/{id}/items") && !$0.key.hasPrefix("GET")
            }
            .values.compactMap(\.intValue).reduce(0, +)
            let removed = preview.plan.groups.flatMap(\.removed).count
            let losing = Set(preview.plan.groups.flatMap(\.removed).compactMap { preview.body.entries[$0].uri }).count
            print("")
            print(
                "  \(preview.plan.groups.count) groups, \(removed) copies removed, \(losing) URIs lose copies, \(preview.plan.readded.count) copies re-added"
            )
            print(
                "  \(mark(writes == preview.plan.writeCount)) writes          \(writes) (the plan's minimum: \(preview.plan.writeCount); rebuild: \(preview.plan.rebuilds))"
            )
            print(String(format: "       planning        %.3f s (from the mirror, %d entries)", planSeconds, items))
            print(
                String(
                    format: "       applying        %.3f s (journal, snapshot guard, writes, verification, re-mirror); %@",
                    applySeconds, journal.status.rawValue))
        }
    }

    /// One playlist of `items` entries, `dupRate` of which repeat an earlier song somewhere else.
    static func library(items: Int, dupRate: Double, seed: UInt64) -> JSONValue {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        let unique = max(1, Int(Double(items) * (1 - dupRate)))
        let tracks: [JSONValue] = (0..<unique).map { index in
            [
                "id": .string(String(format: "b%021d", index)), "name": .string("Song \(index)"),
                "artists": [["id": "benchartist00000000001", "name": "Bench"]],
                "album": ["id": "benchalbum000000000001", "name": "Album", "type": "album", "release_date": "2020-01-01"],
                "duration_ms": 200_000, "isrc": .string(String(format: "QZB%09d", index)), "explicit": false, "track_number": 1,
                "playable": true, "unavailable": false,
            ]
        }
        var uris = (0..<unique).map { String(format: "spotify:track:b%021d", $0) }
        for _ in 0..<(items - unique) {
            let copy = uris[Int(next() % UInt64(unique))]
            uris.insert(copy, at: Int(next() % UInt64(uris.count + 1)))
        }
        let entries: [JSONValue] = uris.enumerated().map { offset, uri in
            [
                "uri": .string(uri),
                "added_at": .string(Date(timeIntervalSince1970: 1_700_000_000 + Double(offset)).formatted(.iso8601)),
                "added_by": "demo",
            ]
        }
        return [
            "users": [["id": "demo", "account_id": "acct-demo", "display_name": "Bench", "country": "DE", "allow_listed": true]],
            "tracks": .array(tracks), "episodes": [],
            "playlists": [
                [
                    "id": "bench0000000000000000x", "owner": "demo", "name": "Bench", "description": "", "public": false,
                    "collaborative": false,
                    "collaborators": [], "entries": .array(entries), "editorial": false,
                ]
            ],
            "follows": ["demo": ["bench0000000000000000x"]], "liked": [:], "plays": [:],
        ]
    }
}
