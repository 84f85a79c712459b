import App
import EmulatorTestSupport
import FluentKit
import Library
import PlaykeeperJSON
import SQLKit
import SpotifyWebAPI
import Foundation
import SpotifyEmulator
import Store
import Testing

extension TestServer {
    /// A sync of `demo` that an instance is running (or, without a claim and heartbeat, one an older version was).
    func runningSync(claimedBy instance: String?, heartbeat: Date?) async throws -> JobRecord {
        let user = try await mirror.user().requireID()
        let job = JobRecord()
        job.$user.id = user
        (job.kind, job.status, job.trigger, job.attempts) = (.sync, .running, "api", 0)
        (job.runAfter, job.createdAt, job.startedAt) = (clock.now, clock.now, clock.now)
        (job.claimedBy, job.heartbeatAt) = (instance, heartbeat)
        job.pendingKey = JobRecord.pendingKey(user: user, kind: .sync)
        try await job.create(on: database)
        return job
    }
}

/// Two instances of the service on one store: a job is claimed by one only, a live instance's job is never taken
/// over, a dead one's is once its lease expires, and periodic jobs exist once per person and kind.
@Suite(.serialized)
struct SharedStoreTests {
    /// A second instance on the same store and clock.
    func secondInstance(_ server: TestServer) -> ServerContext {
        ServerContext(
            settings: ServerSettings(), mirror: server.mirror.context, api: server.context.api, metrics: ServiceMetrics())
    }

    func pendingKeys(_ server: TestServer) async throws -> [String] {
        try await JobRecord.query(on: server.database).filter(\.$pendingKey != nil).all().compactMap(\.pendingKey).sorted()
    }

    @Test(arguments: StoreKind.available)
    func twoInstancesScheduleOncePerPersonAndKindAndRunEachJobOnce(_ kind: StoreKind) async throws {
        try await TestServer.with(kind) { server in
            _ = try await server.login(as: "friend")
            await server.settle()
            let other = secondInstance(server)
            // Both plan the periodic jobs at once: one refresh, one sync and one plays poll per person.
            async let first: Void = server.context.scheduler.runDue()
            async let second: Void = other.scheduler.runDue()
            _ = await (first, second)
            let keys = try await pendingKeys(server)
            #expect(keys.count == 6, "\(keys)")
            #expect(Set(keys).count == keys.count)

            // Both reach for the same due syncs: each runs once.
            server.clock.advance(3_601 * 2)
            await server.mirror.state.resetRequestLog()
            async let a: Void = server.context.scheduler.runDue()
            async let b: Void = other.scheduler.runDue()
            _ = await (a, b)
            await server.context.scheduler.waitUntilIdle()
            await other.scheduler.waitUntilIdle()
            let syncs = try await JobRecord.query(on: server.database).filter(\.$kind == .sync).filter(\.$status == .succeeded)
                .filter(\.$trigger == "schedule").all()
            #expect(syncs.count == 2, "one scheduled sync per person ran")
            #expect(await server.mirror.state.count("GET /v1/me/playlists") == 2, "each ran once, not once per instance")
            #expect(await server.mirror.state.count("POST /api/token") == 2, "each refresh ran once")
            #expect(
                await server.mirror.state.count("GET /v1/me/player/recently-played") == 2, "each plays poll ran once")
        }
    }

    @Test(arguments: StoreKind.available)
    func aLiveInstancesJobIsLeftAloneAndADeadOnesIsTakenOverAfterTheLease(_ kind: StoreKind) async throws {
        try await TestServer.with(kind) { server in
            let user = try await server.mirror.user()
            let job = try await server.runningSync(claimedBy: "another-host:1234:abcd1234", heartbeat: server.clock.now)

            // A starting instance leaves a job whose heartbeat is fresh.
            let starting = secondInstance(server)
            try await starting.scheduler.start(loop: false)
            var stored = try #require(try await JobRecord.find(job.id, on: server.database))
            #expect(stored.status == .running && stored.claimedBy == "another-host:1234:abcd1234")
            // A second pending sync of that person cannot be written: the schema says one.
            let duplicate = JobRecord()
            duplicate.$user.id = try user.requireID()
            (duplicate.kind, duplicate.status, duplicate.trigger) = (.sync, .queued, "api")
            (duplicate.runAfter, duplicate.attempts, duplicate.createdAt) = (server.clock.now, 0, server.clock.now)
            duplicate.pendingKey = job.pendingKey
            await #expect(throws: (any Error).self) { try await duplicate.create(on: server.database) }

            // Its instance stops renewing it: past the lease, the next pass takes it over and runs it.
            server.clock.advance(121)
            await starting.scheduler.runDue()
            await starting.scheduler.waitUntilIdle()
            stored = try #require(try await JobRecord.find(job.id, on: server.database))
            #expect(stored.status == .succeeded, "\(stored.status) \(stored.error ?? "")")
            #expect(stored.attempts == 1)
            #expect(stored.pendingKey == nil && stored.claimedBy == nil)
            try await server.mirror.expectStoreEqualsEmulator()
        }
    }
}

extension SharedStoreTests {
    @Test(arguments: StoreKind.available)
    func aStartingInstanceSettlesInterruptedChanges(_ kind: StoreKind) async throws {
        try await TestServer.with(kind, library: AttentionTests.library) { server in
            _ = try await server.login()
            await server.settle()
            let service = DedupeService(
                database: server.database, client: server.mirror.api.client(for: "demo"), user: try await server.mirror.user())
            let preview = try await service.preview(
                try #require(try await server.mirror.playlist(AttentionTests.playlist)), level: .exact, keep: .first)
            // Every reply is lost: the change stays open, as after a crash.
            _ = try await server.mirror.state.updateKnobs(["fault_after_write_rate": 1])
            await #expect(throws: SpotifyError.self) { _ = try await service.apply(planID: try preview.record.requireID()) }
            _ = try await server.mirror.state.updateKnobs(["fault_after_write_rate": 0])
            #expect(try await JournalRecord.query(on: server.database).first()?.status == .applying)

            let starting = secondInstance(server)
            try await starting.scheduler.start(loop: false)
            await starting.scheduler.waitUntilIdle()
            let entry = try #require(try await JournalRecord.query(on: server.database).first())
            #expect(entry.status == .verified)
            #expect(entry.recovery?.contains("by the service's start") == true, "\(entry.recovery ?? "")")
            #expect(await server.mirror.state.uris(of: AttentionTests.playlist) == preview.plan.expected.compactMap { $0 })
        }
    }

    /// Migration 008 ends a second pending job of a person and kind before the unique index, whichever store.
    @Test(arguments: StoreKind.available)
    func theJobLeaseMigrationEndsDuplicatePendingJobsFirst(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind) { mirror in
            let database = mirror.database
            let leases = Store.migrations[7]
            #expect(leases.name.contains("AddJobLeases"))
            try await leases.revert(on: database).get()
            let user = try await mirror.user().requireID()
            for minute in 0..<3 {
                // Written without the columns 008 adds, as an older version did.
                try await database.sql().insert(into: JobRecord.schema)
                    .columns("id", "user_id", "kind", "status", "trigger", "run_after", "attempts", "created_at")
                    .values(
                        SQLBind(UUID()), SQLBind(user), SQLBind("sync"), SQLBind("queued"), SQLBind("schedule"),
                        SQLBind(Date()), SQLBind(0), SQLBind(Date().addingTimeInterval(Double(minute) * 60))
                    ).run()
            }
            try await leases.prepare(on: database).get()
            let jobs = try await JobRecord.query(on: database).sort(\.$createdAt).all()
            #expect(jobs.map(\.status) == [.queued, .failed, .failed], "the oldest stays")
            #expect(jobs.first?.pendingKey == JobRecord.pendingKey(user: user, kind: .sync))
            #expect(jobs.dropFirst().allSatisfy { $0.pendingKey == nil && $0.error?.contains("duplicate") == true })
        }
    }
}
