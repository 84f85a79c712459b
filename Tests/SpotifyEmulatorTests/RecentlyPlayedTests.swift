import Foundation
import NIOHTTP1
import PlaykeeperJSON
import SpotifyEmulator
import Testing

/// `GET /me/player/recently-played` as the fact sheet and the captured fixture describe it, and the admin API
/// that plays songs at chosen times.
struct RecentlyPlayedTests {
    static let start = Date(timeIntervalSince1970: 1_780_000_000)

    /// `count` plays of tracks t0…t5 in turn, a minute apart, the newest last; with an episode play among them.
    static func plays(_ count: Int) -> JSONValue {
        var list: [JSONValue] = []
        for index in 0..<count {
            let at = start.addingTimeInterval(Double(index * 60)).formatted(.iso8601)
            var context: JSONValue = .null
            if index % 2 == 0 {
                context = "spotify:playlist:mine"
            } else if index % 3 == 0 {
                context = "spotify:album:album00000000000000001"
            }
            list.append(["uri": .string("spotify:track:t\(index % 6)"), "played_at": .string(at), "context_uri": context])
        }
        list.append(["uri": "spotify:track:t1", "played_at": .string(start.addingTimeInterval(-60).formatted(.iso8601))])
        return .array(list)
    }

    static func millis(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970 * 1000) }

    static func date(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
    }

    @Test func servesTheFiftyMostRecentTracksNewestFirstWithCursors() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            let added = try await client.call(.POST, "__emulator/plays", json: ["user": "demo", "plays": Self.plays(70)])
            #expect(added.status == 200 && added.json["plays"]?.intValue == 71, "\(added.text)")

            let page = try await client.call(.GET, "v1/me/player/recently-played?limit=50", token: token)
            #expect(page.status == 200)
            let items = try #require(page.json["items"]?.arrayValue)
            #expect(items.count == 50)
            let times = items.compactMap { $0["played_at"]?.stringValue }
            #expect(times == times.sorted(by: >), "newest first")
            #expect(times.first.flatMap(Self.date) == Self.start.addingTimeInterval(69 * 60))
            #expect(page.json["cursors"]?["after"]?.stringValue == String(Self.millis(Self.start.addingTimeInterval(69 * 60))))
            #expect(page.json["cursors"]?["before"]?.stringValue == String(Self.millis(Self.start.addingTimeInterval(20 * 60))))
            #expect(page.json["next"] == .null, "only the 50 most recent plays are kept: nothing before them")

            // Exclusive cursors: after the 60th play, the 9 newer ones.
            let after = Self.millis(Self.start.addingTimeInterval(60 * 60))
            let newer = try await client.call(.GET, "v1/me/player/recently-played?limit=50&after=\(after)", token: token)
            #expect(newer.json["items"]?.arrayValue?.count == 9)
            let before = Self.millis(Self.start.addingTimeInterval(60 * 60))
            let older = try await client.call(.GET, "v1/me/player/recently-played?limit=5&before=\(before)", token: token)
            #expect(older.json["items"]?.arrayValue?.count == 5)
            let first = older.json["items"]?[0]?["played_at"]?.stringValue
            #expect(first.flatMap(Self.date) == Self.start.addingTimeInterval(59 * 60), "the newest before the cursor")
            #expect(older.json["next"]?.stringValue?.contains("before=") == true, "more plays before these")
            #expect(try await client.call(.GET, "v1/me/player/recently-played", token: token).json["limit"]?.intValue == 20)
        }
    }

    @Test func contextsAreDescribedAndTracksOnly() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            let plays: JSONValue = [
                ["uri": "spotify:track:t1", "played_at": "2026-11-30T10:00:00Z", "context_uri": "spotify:playlist:mine"],
                ["uri": "spotify:track:t2", "played_at": "2026-11-30T10:05:00Z"],
            ]
            #expect(try await client.call(.POST, "__emulator/plays", json: ["user": "demo", "plays": plays]).status == 200)
            let page = try await client.call(.GET, "v1/me/player/recently-played", token: token)
            let items = try #require(page.json["items"]?.arrayValue)
            #expect(items.count == 2)
            #expect(items[0]["context"] == .null)
            let context = try #require(items[1]["context"])
            #expect(context["type"] == "playlist" && context["uri"] == "spotify:playlist:mine")
            #expect(context["href"]?.stringValue?.hasSuffix("/v1/playlists/mine") == true)
            #expect(context["external_urls"]?["spotify"] == "https://open.spotify.com/playlist/mine")
            #expect(items[1]["track"]?["uri"] == "spotify:track:t1" && items[1]["track"]?["type"] == "track")

            // An episode cannot be played into the history, and neither can an unknown track.
            let episode: JSONValue = [["uri": "spotify:episode:e1", "played_at": "2026-11-30T11:00:00Z"]]
            #expect(try await client.call(.POST, "__emulator/plays", json: ["user": "demo", "plays": episode]).status == 400)
            let unknown: JSONValue = [["uri": "spotify:track:nope", "played_at": "2026-11-30T11:00:00Z"]]
            #expect(try await client.call(.POST, "__emulator/plays", json: ["user": "demo", "plays": unknown]).status == 400)
            #expect(try await client.call(.POST, "__emulator/plays", json: ["user": "nobody", "plays": plays]).status == 400)
        }
    }

    @Test(arguments: [
        "limit=0", "limit=51", "limit=abc", "after=1&before=2", "after=abc", "before=-5", "after=1e3",
    ])
    func refusesWhatSpotifyRefuses(_ query: String) async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            let reply = try await client.call(.GET, "v1/me/player/recently-played?\(query)", token: token)
            #expect(reply.status == 400, "\(query): \(reply.status) \(reply.text)")
            #expect(reply.json["error"]?["status"]?.intValue == 400 && reply.json["error"]?["message"]?.stringValue != nil)
        }
    }

    @Test func needsItsScope() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token(scope: "user-read-private")
            let reply = try await client.call(.GET, "v1/me/player/recently-played", token: token)
            #expect(reply.status == 403)
        }
    }
}
