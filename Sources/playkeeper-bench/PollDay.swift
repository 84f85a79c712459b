import App
import Fluent
import FluentKit
import Foundation
import Library
import Logging
import PlaykeeperJSON
import SpotifyEmulator
import Store
import Vapor

/// A simulated day of listening for several people, polled every 20 minutes as the scheduler polls: the calls per
/// person and poll, the plays stored, and the gaps found.
enum PollDay {
    static let interval: TimeInterval = 20 * 60

    static func run(
        people: [String], library: EmulatorLibrary, app: Application, emulator: ExternalEmulator, logger: Logger
    ) async throws {
        var actions: [UserActions] = []
        for person in people {
            actions.append(
                try await BenchLogin.make(app: app, emulator: emulator, logger: logger, user: person).actions(on: app.db))
        }
        var random = SystemRandomNumberGenerator()
        let tracks = library.tracks.filter { !$0.unavailable }.map { "spotify:track:\($0.id)" }
        let dayStart = Date().addingTimeInterval(-2 * 86_400)
        let rounds = Int(86_400 / interval)
        var played = 0
        var polls = 0
        var maximum = 0
        try await emulator.call(.DELETE, "/__emulator/requests")
        for round in 0..<rounds {
            // Each person plays up to 8 songs in the interval (up to 20 at busy hours), a few minutes apart.
            let start = dayStart.addingTimeInterval(Double(round) * interval)
            for person in people {
                let count = Int.random(in: 0...(round % 9 == 0 ? 20 : 8), using: &random)
                let plays: [JSONValue] = (0..<count).map { index in
                    [
                        "uri": .string(tracks.randomElement(using: &random)!),
                        "played_at": .string(start.addingTimeInterval(Double(index) * 55 + 30).formatted(.iso8601)),
                    ]
                }
                played += count
                if !plays.isEmpty {
                    try await emulator.call(.POST, "/__emulator/plays", json: ["user": .string(person), "plays": .array(plays)])
                }
            }
            for person in actions {
                let before = try await recentlyPlayedCalls(emulator)
                _ = try await person.pollPlays()
                let calls = try await recentlyPlayedCalls(emulator) - before
                maximum = max(maximum, calls)
                polls += 1
            }
        }
        let calls = try await recentlyPlayedCalls(emulator)
        let ids = try await UserRecord.query(on: app.db).filter(\.$spotifyID ~~ people).all().compactMap(\.id)
        let stored = try await PlayRecord.query(on: app.db).filter(\.$user.$id ~~ ids).count()
        let gaps = try await PlayGapRecord.query(on: app.db).filter(\.$user.$id ~~ ids).count()
        print("")
        print("  polling \(people.count) people every 20 min over a simulated day (\(rounds) polls each)")
        print(
            "  \(mark(maximum <= 1)) calls       \(calls) for \(polls) polls: \(String(format: "%.2f", Double(calls) / Double(polls))) per person and poll, at most \(maximum) (target ≤ 1)"
        )
        print("  \(mark(gaps == 0 && stored == played)) gaps        \(gaps) (target 0); \(stored) of \(played) plays stored")
    }

    static func recentlyPlayedCalls(_ emulator: ExternalEmulator) async throws -> Int {
        let log = try await emulator.call(.GET, "/__emulator/requests").body
        return (log["counts"]?.objectValue ?? [:]).filter { $0.key.contains("recently-played") }.values.compactMap(\.intValue)
            .reduce(0, +)
    }
}
