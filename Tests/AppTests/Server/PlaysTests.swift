import App
import EmulatorTestSupport
import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import SpotifyEmulator
import SpotifyWebAPI
import Store
import Testing
import Vapor

/// Collecting plays: each stored once (the schema says so), tracks in the catalogue, gaps detected and shown,
/// through the CLI, the API and the scheduler, on SQLite and PostgreSQL.
@Suite(.serialized)
struct PlaysTests {
    /// `count` plays of the library's first tracks, a minute apart, after `after`.
    static func play(_ count: Int, after: Date, in server: TestServer) async throws -> [EmulatorLibrary.Play] {
        let tracks = await server.mirror.state.library().tracks.prefix(5).map { "spotify:track:\($0.id)" }
        let plays = (1...count).map { index in
            EmulatorLibrary.Play(uri: tracks[index % tracks.count], playedAt: after.addingTimeInterval(Double(index * 60)))
        }
        _ = try await server.mirror.state.play(user: "demo", plays)
        return plays
    }

    /// The same time to the millisecond, which is all Spotify's `played_at` carries.
    static func same(_ a: Date, _ b: Date) -> Bool { abs(a.timeIntervalSince(b)) < 0.001 }

    static func newest(_ server: TestServer) async throws -> Date {
        try #require(try await PlayRecord.query(on: server.database).sort(\.$playedAt, .descending).first()?.playedAt)
    }

    @Test(arguments: StoreKind.available)
    func aPollStoresEachPlayOnceWithItsTrackAndContext(_ kind: StoreKind) async throws {
        try await TestServer.with(kind) { server in
            _ = try await server.login()
            await server.settle()
            let actions = try await server.mirror.actions()
            let first = try await actions.pollPlays()
            #expect(first.fetched == 50 && first.added == 50, "Spotify keeps 50: \(first)")
            #expect(first.gap == nil, "the history begins with the first poll: nothing is missing before it")
            let again = try await actions.pollPlays()
            #expect(again.added == 0 && again.gap == nil)
            #expect(try await PlayRecord.query(on: server.database).count() == 50)

            let plays = try await PlayRecord.query(on: server.database).all()
            let uris = Set(plays.compactMap(\.trackURI))
            #expect(try await CatalogItemRecord.lookup(Array(uris), on: server.database).count == uris.count)
            let sample = try #require(plays.first)
            #expect(sample.source == .poll && sample.msPlayed == nil && sample.trackName != nil && sample.artistName != nil)
            #expect(sample.contextType == "playlist" && sample.contextURI?.hasPrefix("spotify:playlist:") == true)
            let raw = try JSONValue(parsing: sample.raw)
            #expect(raw["track"] == nil && raw["played_at"] != nil && raw["context"]?["uri"] != nil)

            // The schema refuses a second row for the same person and time.
            let twin = PlayRecord()
            twin.$user.id = sample.$user.id
            twin.playedAt = sample.playedAt
            twin.source = .poll
            twin.raw = "{}"
            await #expect(throws: (any Error).self) { try await twin.create(on: server.database) }

            // Two polls at once (two instances) store each new play once.
            let newest = try await Self.newest(server)
            _ = try await Self.play(10, after: newest, in: server)
            let other = try await server.mirror.actions(origin: "another instance")
            async let a = actions.pollPlays()
            async let b = other.pollPlays()
            let reports = try await [a, b]
            #expect(reports.map(\.fetched) == [10, 10])
            #expect(try await PlayRecord.query(on: server.database).count() == 60)
        }
    }

    @Test(arguments: StoreKind.available)
    func aFullPageNewerThanEverythingStoredIsAGapAndSaysSo(_ kind: StoreKind) async throws {
        try await TestServer.with(kind) { server in
            _ = try await server.login()
            await server.settle()
            let actions = try await server.mirror.actions()
            _ = try await actions.pollPlays()

            // 49 new plays fit: no gap.
            var newest = try await Self.newest(server)
            _ = try await Self.play(49, after: newest, in: server)
            let fit = try await actions.pollPlays()
            #expect(fit.added == 49 && fit.gap == nil)

            // 60 new plays do not: the 10 oldest are gone, and the gap says between which plays.
            newest = try await Self.newest(server)
            let played = try await Self.play(60, after: newest, in: server)
            let report = try await actions.pollPlays()
            #expect(report.fetched == 50 && report.added == 50)
            let gap = try #require(report.gap)
            #expect(Self.same(gap.startsAt, newest) && Self.same(gap.endsAt, played[10].playedAt), "\(gap)")
            let stored = try #require(try await PlayGapRecord.query(on: server.database).first())
            #expect(Self.same(stored.startsAt, newest) && Self.same(stored.endsAt, played[10].playedAt))
            #expect(stored.filledAt == nil)

            // The API and the CLI show it.
            let token = try await server.token()
            let gaps = try await server.send(.GET, "/api/v1/history/gaps", bearer: token)
            #expect(gaps.status == .ok && gaps.json["total"]?.intValue == 1)
            #expect(gaps.json["items"]?[0]?["message"]?.stringValue?.contains("may be missing: import your Spotify data") == true)
            let cli = try await DedupeCLITests().run(["plays", "--limit", "3"], server.mirror)
            #expect(cli.code == 0, "\(cli.errors)")
            #expect(cli.output.split(separator: "\n").count == 3)
            #expect(cli.errors.contains("Note: plays between") && cli.errors.contains("may be missing"))
        }
    }

    @Test func theAPIAndTheCLIListPlaysNewestFirst() async throws {
        try await TestServer.with { server in
            _ = try await server.login()
            await server.settle()
            let token = try await server.token()
            let polled = try await DedupeCLITests().run(["plays", "--poll", "--json", "--limit", "50"], server.mirror)
            #expect(polled.code == 0, "\(polled.errors)")
            let output = try JSONValue(parsing: polled.output)
            #expect(output["poll"]?["added"]?.intValue == 50 && output["items"]?.arrayValue?.count == 50)

            let page = try await server.send(.GET, "/api/v1/plays?limit=10&offset=5", bearer: token)
            #expect(page.status == .ok && page.json["total"]?.intValue == 50)
            let times = (page.json["items"]?.arrayValue ?? []).compactMap { $0["played_at"]?.stringValue }
            #expect(times.count == 10 && times == times.sorted(by: >))
            #expect(page.json["items"]?[0]?["source"] == "poll")
            let none = try await server.send(.GET, "/api/v1/plays?since=2999-01-01", bearer: token)
            #expect(none.status == .ok && none.json["total"]?.intValue == 0)
            #expect(try await server.send(.GET, "/api/v1/plays?since=yesterday", bearer: token).status == .badRequest)

            let bad = try await DedupeCLITests().run(["plays", "--since", "yesterday"], server.mirror)
            #expect(bad.code == 2 && bad.errors.contains("--since takes a day"))
        }
    }

    @Test func theSchedulerPollsEveryInterval() async throws {
        try await TestServer.with { server in
            _ = try await server.login()
            await server.settle()
            #expect(try await PlayRecord.query(on: server.database).count() == 0)
            server.clock.advance(ServerSettings().playsInterval + 1)
            await server.context.scheduler.runDue()
            await server.settle()
            let jobs = try await JobRecord.query(on: server.database).filter(\.$kind == .plays).filter(\.$status == .succeeded)
                .all()
            #expect(jobs.count == 1)
            #expect(jobs.first?.result?.contains("\"added\":50") == true, "\(jobs.first?.result ?? "")")
            #expect(try await PlayRecord.query(on: server.database).count() == 50)
            #expect(
                try await JobRecord.query(on: server.database).filter(\.$kind == .plays).filter(\.$status == .queued).count()
                    == 1,
                "the next poll is queued")
        }
    }
}
