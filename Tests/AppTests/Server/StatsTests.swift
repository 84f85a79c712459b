import App
import EmulatorTestSupport
import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import SpotifyEmulator
import Store
import Testing
import Vapor

/// The statistics over an imported history, through the API and the CLI, agree with the arithmetic done on
/// the generated plays themselves.
@Suite(.serialized)
struct StatsTests {
    @Test func topAndSummaryAgreeWithTheGeneratedPlays() async throws {
        try await TestServer.with { server in
            let token = try await server.token()
            let library = await server.mirror.state.library()
            let generator = HistoryExportGenerator(seed: 11, plays: 400, start: Date(timeIntervalSince1970: 1_750_000_000))
            let actions = try await server.mirror.actions()
            for (name, data) in generator.extendedFiles(from: library) {
                _ = try await actions.importPlays(name: name, data: data, format: StreamingHistoryFile.format(ofName: name)!)
            }
            let expected = generator.generatePlays(from: library).map { play in
                ListeningStats.Play(
                    endedAt: play.endedAt, trackURI: "spotify:track:\(play.track.id)", trackName: play.track.name,
                    artistName: play.track.artists.first?.name, albumName: play.track.album.name, msPlayed: play.msPlayed,
                    durationMS: nil)
            }
            let stats = ListeningStats()
            for kind in ListeningStats.Kind.allCases {
                for order in ListeningStats.Order.allCases {
                    let reply = try await server.send(
                        .GET, "/api/v1/stats/top/\(kind.rawValue)?period=all&by=\(order.rawValue)&limit=10", bearer: token)
                    #expect(reply.status == .ok, "\(reply.body)")
                    let names = (reply.json["items"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
                    #expect(names == stats.top(kind, by: order, limit: 10, in: expected).map(\.name), "\(kind) by \(order)")
                }
            }
            let summary = try await server.send(.GET, "/api/v1/stats/summary?period=all", bearer: token)
            let computed = stats.summary(of: expected, heardBefore: [])
            #expect(summary.json["plays"]?.intValue == computed.plays && summary.json["skips"]?.intValue == computed.skips)
            #expect(summary.json["listened_ms"]?.intValue == computed.listenedMS)
            #expect(summary.json["longest_streak_days"]?.intValue == computed.longestStreakDays)
            #expect(summary.json["hour_of_week"]?.arrayValue?.count == 7)
            #expect(summary.json["history_begins"]?.stringValue != nil)

            // Only here: each own playlist's songs played, and the songs never played.
            _ = try await server.mirror.sync()
            let played = Set(expected.compactMap(\.trackURI))
            let own = library.playlists.filter { $0.owner == "demo" }
            let withHistory = try await server.send(.GET, "/api/v1/stats/summary?period=all", bearer: token)
            let coverage = try #require(withHistory.json["playlists"]?.arrayValue)
            #expect(!coverage.isEmpty)
            for row in coverage {
                let playlist = try #require(own.first { $0.id == row["id"]?.stringValue })
                let songs = Set(playlist.entries.map(\.uri).filter { $0.hasPrefix("spotify:track:") })
                #expect(row["songs"]?.intValue == songs.count && row["played"]?.intValue == songs.intersection(played).count)
            }
            let songs = Set(own.flatMap { $0.entries.map(\.uri) }.filter { $0.hasPrefix("spotify:track:") })
            #expect(withHistory.json["never_played"]?["count"]?.intValue == songs.subtracting(played).count)

            #expect(try await server.send(.GET, "/api/v1/stats/top/songs", bearer: token).status == .notFound)
            #expect(try await server.send(.GET, "/api/v1/stats/summary?period=2w", bearer: token).status == .badRequest)
            #expect(try await server.send(.GET, "/api/v1/stats/top/tracks?by=love", bearer: token).status == .badRequest)

            let cli = try await DedupeCLITests().run(
                ["top", "artists", "--period", "all", "--json", "--limit", "3"], server.mirror)
            #expect(cli.code == 0, "\(cli.errors)")
            let ranked = (try JSONValue(parsing: cli.output))["items"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
            #expect(ranked == stats.top(.artists, by: .plays, limit: 3, in: expected).map(\.name))
            let bad = try await DedupeCLITests().run(["top", "songs"], server.mirror)
            #expect(bad.code == 2 && bad.errors.contains("tracks, artists or albums"))
        }
    }
}
