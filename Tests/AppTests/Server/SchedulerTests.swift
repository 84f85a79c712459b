import App
import EmulatorTestSupport
import FluentKit
import Library
import Foundation
import PlaykeeperJSON
import SpotifyEmulator
import SpotifyWebAPI
import Store
import Testing
import Vapor

/// The scheduler on an injected clock: hourly refreshes, periodic syncs, failures kept to one user, restarts.
@Suite(.serialized)
struct SchedulerTests {
    func jobs(_ server: TestServer, _ user: String, _ kind: JobKind) async throws -> [JobRecord] {
        let record = try #require(try await UserRecord.query(on: server.database).filter(\.$spotifyID == user).first())
        return try await JobRecord.query(on: server.database).filter(\.$user.$id == record.requireID()).filter(\.$kind == kind)
            .sort(\.$createdAt).all()
    }

    func refreshCalls(_ server: TestServer) async -> Int {
        await server.mirror.state.requestLog().requests.filter { $0.endpoint == "POST /api/token" }.count
    }

    @Test func tokensAreRefreshedHourlyAndARevokedUserDoesNotBlockOthers() async throws {
        try await TestServer.with { server in
            _ = try await server.login(as: "friend")
            await server.settle()
            let scheduler = server.context.scheduler
            try await scheduler.start(loop: false)
            await scheduler.runDue()
            await server.settle()
            await server.mirror.state.resetRequestLog()
            #expect(try await jobs(server, "demo", .refresh).map(\.status) == [.queued], "the first refresh is an hour away")

            server.clock.advance(3_601)
            await scheduler.runDue()
            await server.settle()
            #expect(try await jobs(server, "demo", .refresh).first?.status == .succeeded)
            #expect(try await jobs(server, "friend", .refresh).first?.status == .succeeded)
            #expect(await refreshCalls(server) >= 2, "one refresh per user")

            // demo's refresh token is revoked: demo is marked, friend is still served.
            await server.mirror.state.revokeTokens(user: "demo")
            server.clock.advance(3_601)
            await scheduler.runDue()
            await server.settle()
            let demoRefreshes = try await jobs(server, "demo", .refresh)
            #expect(demoRefreshes.last(where: { $0.status != .queued })?.status == .failed)
            let demo = try #require(try await UserRecord.query(on: server.database).filter(\.$spotifyID == "demo").first())
            #expect(demo.needsLogin)
            let friendRefreshes = try await jobs(server, "friend", .refresh)
            let ran = friendRefreshes.filter { $0.status != .queued }
            #expect(ran.count >= 2 && ran.allSatisfy { $0.status == .succeeded }, "friend is still served after demo's failure")
            // A marked user gets no more scheduled jobs, and the API says so.
            let token = try await server.token(for: "demo")
            #expect(try await server.send(.GET, "/api/v1/me", bearer: token).json["needs_login"]?.boolValue == true)
        }
    }

    @Test func periodicSyncsRunAtTheirIntervalAndUpdateTheUnifiedPlaylistWhenSourcesChanged() async throws {
        try await TestServer.with(library: UnifiedTests.library(tracks: 40, playlists: [Array(0..<20), Array(15..<30)])) {
            server in
            _ = try await server.mirror.sync()
            let user = try await server.mirror.user()
            let unified = UnifiedService(database: server.database, client: server.context.api.client(for: "demo"), user: user)
            _ = try await unified.update()
            let scheduler = server.context.scheduler
            try await scheduler.start(loop: false)
            await scheduler.runDue()
            _ = try await server.mirror.state.applyAppEdit([
                "op": "add", "playlist": "upl0000000000000000000", "uris": [.string(UnifiedTests.trackURI(35))],
            ])
            server.clock.advance(3_601)
            await scheduler.runDue()
            await server.settle()
            let sync = try #require(try await jobs(server, "demo", .sync).first { $0.status == .succeeded })
            let result = try JSONValue(parsing: sync.result ?? "{}")
            #expect(result["unified"]?["writes"]?.intValue == 1, "the new song was appended after the sync")
            #expect(try await unified.load().state.shards.count == 1)
        }
    }

    @Test func aRestartMidJobResumesIt() async throws {
        try await TestServer.with { server in
            // A previous process (of a version without heartbeats) died while running this sync.
            let job = try await server.runningSync(claimedBy: nil, heartbeat: nil)

            try await server.context.scheduler.start(loop: false)
            await server.context.scheduler.runDue()
            await server.settle()
            let resumed = try #require(try await JobRecord.find(job.id, on: server.database))
            #expect(resumed.status == .succeeded)
            #expect(resumed.attempts == 1)
            try await server.mirror.expectStoreEqualsEmulator()
        }
    }

    // A signal that never comes fails the test instead of hanging the run.
    @Test(.timeLimit(.minutes(2))) func aShutdownStopsARunningJobSafelyAndTheNextStartResumesIt() async throws {
        var settings = ServerSettings()
        settings.shutdownGrace = 0.2  // far shorter than the sync: the job is stopped, not left "running"
        try await TestServer.with(library: LibraryGenerator(seed: 9, playlists: 10, items: 150).generate(), settings: settings) {
            server in
            let token = try await server.token()
            _ = try await server.mirror.state.updateKnobs(["latency_ms": 150])
            let started = try await server.send(.POST, "/api/v1/syncs", bearer: token)
            let id = try #require(UUID(uuidString: started.json["id"]?.stringValue ?? ""))
            // Stop it mid-sync: once it has read a couple of playlists' pages, at 150 ms a request.
            await server.mirror.state.waitForRequests("GET /v1/playlists/{id}/items", count: 2)
            await server.context.scheduler.stop()
            let stopped = try #require(try await JobRecord.find(id, on: server.database))
            #expect(stopped.status == .queued, "a stopped job goes back to the queue (\(stopped.status))")
            try await server.mirror.expectConsistent()
            _ = try await server.mirror.state.updateKnobs(["latency_ms": 0])

            // The next process resumes it.
            let next = ServerContext(
                settings: ServerSettings(), mirror: server.mirror.context, api: server.context.api, metrics: ServiceMetrics())
            try await next.scheduler.start(loop: false)
            await next.scheduler.runDue()
            await next.scheduler.waitUntilIdle()
            #expect(try await JobRecord.find(id, on: server.database)?.status == .succeeded)
            try await server.mirror.expectStoreEqualsEmulator()
        }
    }

    @Test func aSyncStartedWhileTheCLISyncsWaitsOrAnswers409() async throws {
        try await TestServer.with { server in
            let token = try await server.token()
            let lease = try await DatabaseLock.acquire(
                "job:demo", on: server.database, ttl: 60, wait: 0, holder: "playkeeper sync (CLI)")
            let started = try await server.send(.POST, "/api/v1/syncs", bearer: token)
            #expect(started.status == .accepted)
            let again = try await server.send(.POST, "/api/v1/syncs", bearer: token)
            #expect(again.status == .conflict, "one sync at a time")
            let id = try #require(started.json["id"]?.stringValue)
            #expect(try await server.send(.GET, "/api/v1/jobs/\(id)", bearer: token).json["status"]?.stringValue == "running")
            try await lease.release()
            await server.settle()
            #expect(try await server.send(.GET, "/api/v1/jobs/\(id)", bearer: token).json["status"]?.stringValue == "succeeded")
        }
    }
}
