import App
import EmulatorTestSupport
import Fluent
import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import NIOHTTP1
import PlaykeeperJSON
import SpotifyEmulator
import Store
import Testing
import Vapor

#if canImport(Glibc)
    import Glibc
#endif

/// Two real `playkeeper serve` processes on one store and one emulator, as behind a proxy: three scheduled cycles
/// for three people run each sync exactly once (the store and the emulator's request log agree), and when one
/// instance is killed mid-sync the other finishes that sync once the job's lease expires.
@Suite(.serialized)
struct TwoInstancesTests {
    static let people = ["third", "friend", "demo"]
    /// Sync cycles after the one each login starts.
    static let cycles = 3

    static func library() -> EmulatorLibrary {
        var library = LibraryGenerator(seed: 11, playlists: 6, items: 30).generate()
        library.users.append(.init(id: "third", displayName: "A Third Person"))
        library.follows["third"] = Array((library.follows["demo"] ?? []).prefix(3))
        return library
    }

    @Test(.timeLimit(.minutes(10)), arguments: StoreKind.available)
    func twoInstancesRunEveryScheduledJobOnce(_ kind: StoreKind) async throws {
        try await Self.withTwoInstances(kind) { harness, store, first, second in
            // Everyone logs in through the first instance; each login queues a sync, then one comes every minute.
            for person in Self.people { try await first.logIn(as: person) }
            let expected = Self.people.count * (1 + Self.cycles)
            await harness.state.waitForRequests(Self.listings, count: expected)
            // Both stop gracefully: running jobs finish first.
            try await first.stop()
            try await second.stop()

            let database = try await store.open()
            let syncs = try await JobRecord.query(on: database.db).filter(\.$kind == .sync).filter(\.$status == .succeeded)
                .all()
            let users = try await UserRecord.query(on: database.db).all()
            try? await database.asyncShutdown()
            #expect(users.count == Self.people.count)
            for user in users {
                let own = syncs.filter { $0.$user.id == user.id }
                #expect(own.count == 1 + Self.cycles, "\(user.spotifyID): \(own.count) syncs")
                #expect(own.filter { $0.trigger == "schedule" }.count == Self.cycles, "\(user.spotifyID): scheduled cycles")
            }
            let listed = await harness.state.count(Self.listings)
            #expect(listed == syncs.count, "every sync ran once: \(listed) playlist listings for \(syncs.count) jobs")
            #expect(syncs.allSatisfy { $0.attempts == 0 }, "no job was taken over")
            // Which instance ran them (claims are cleared when a job ends; the logs say), for the record.
            let ran = [first, second].map { $0.run.errors.components(separatedBy: "sync job ").count - 1 }
            #expect(ran.reduce(0, +) == syncs.count)
            print(
                "TwoInstancesTests (\(kind.rawValue)): \(syncs.count) syncs of \(users.count) people, \(listed) listings; "
                    + "the instances ran \(ran[0]) and \(ran[1])")
        }
    }

    @Test(.timeLimit(.minutes(5)), arguments: StoreKind.available)
    func theOtherInstanceFinishesTheSyncOfAKilledOne(_ kind: StoreKind) async throws {
        try await Self.withTwoInstances(kind) { harness, store, first, second in
            try await first.logIn(as: "demo")
            try await first.waitForTheFirstSync()
            // The emulator slows down so that the kill lands mid-sync.
            _ = try await harness.state.updateKnobs(["latency_ms": 150])
            let before = await harness.state.count(Self.listings)
            let started = try await first.send(.POST, "/api/v1/syncs", headers: [("Authorization", "Bearer \(first.token)")])
            #expect(started.status == 202, "\(started.body)")
            let jobID = try #require(started.json["id"]?.stringValue.flatMap(UUID.init(uuidString:)))
            await harness.state.waitForRequests(Self.listings, count: before + 1)

            let database = try await store.open()
            let claimed = try #require(try await JobRecord.find(jobID, on: database.db))
            let runner = [first, second].first { claimed.claimedBy?.contains(":\($0.run.process.processIdentifier):") == true }
            let victim = try #require(runner, "claimed by one of the instances: \(claimed.claimedBy ?? "none")")
            let survivor = victim === first ? second : first
            kill(victim.run.process.processIdentifier, SIGKILL)
            _ = try await victim.run.exitCode()

            // Once the job's lease (4 s) expires, the survivor takes it over and lists the playlists again.
            await harness.state.waitForRequests(Self.listings, count: before + 2)
            _ = try await harness.state.updateKnobs(["latency_ms": 0])
            // `sync` on the same store waits for that sync (the person's lease), then syncs once more.
            try await survivor.waitForTheFirstSync()
            try await survivor.stop()
            try await victim.stop()

            let job = try #require(try await JobRecord.find(jobID, on: database.db))
            #expect(job.status == .succeeded && job.attempts == 1, "\(job.status) after \(job.attempts) takeover(s)")
            let demo = try #require(try await UserRecord.query(on: database.db).filter(\.$spotifyID == "demo").first())
            let mirrored = try await PlaylistRecord.query(on: database.db).filter(\.$user.$id == demo.requireID())
                .filter(\.$goneAt == nil).filter(\.$isLiked == false).count()
            #expect(mirrored == Self.library().follows["demo"]?.count, "nothing is lost")
            #expect(await harness.state.count(Self.listings) == before + 3, "synced again only because it was killed")
            try? await database.asyncShutdown()
        }
    }

    /// Runs `body` with an emulator and two `serve` processes on one new store, and cleans up after.
    static func withTwoInstances(
        _ kind: StoreKind, _ body: (EmulatorHarness, Store, ServedProcess, ServedProcess) async throws -> Void
    ) async throws {
        let harness = try await EmulatorHarness.start(library: library())
        let store = try await Store(kind)
        let first = try await ServedProcess.start(environment: store.environment, data: store.data, harness: harness)
        let second = try await ServedProcess.start(environment: store.environment, data: store.data, harness: harness)
        var failure: (any Error)?
        do { try await body(harness, store, first, second) } catch { failure = error }
        // Stopping a stopped instance does nothing.
        try? await first.stop()
        try? await second.stop()
        await harness.shutdown()
        store.remove()
        if let failure { throw failure }
    }

    /// What a sync asks first: one listing of the person's playlists per sync (the library has fewer than 50).
    static let listings = "GET /v1/me/playlists"

    /// One store the instances share: a data directory (with the SQLite file) or a new PostgreSQL database.
    struct Store {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("pk-two-\(UUID().uuidString)")
        var environment = [
            "PLAYKEEPER_SYNC_INTERVAL": "60", "PLAYKEEPER_SCHEDULER_TICK": "1", "PLAYKEEPER_JOB_LEASE": "4", "LOG_LEVEL": "info",
            "PLAYKEEPER_SECRET_KEY": Data((0..<32).map { UInt8($0) }).base64EncodedString(),
        ]

        init(_ kind: StoreKind) async throws {
            if kind == .postgres, let admin = StoreKind.postgresURL {
                environment["DATABASE_URL"] = try await TestMirror.createDatabase(admin: admin)
            }
        }

        /// The store, opened in this process to count (the instances have migrated it).
        func open() async throws -> Application {
            let app = try await Application.make(.testing)
            let location = try DatabaseLocation.parse(environment["DATABASE_URL"], dataDirectory: data)
            try await MirrorContext.configureDatabase(app, location: location, migrate: false)
            return app
        }

        func remove() { try? FileManager.default.removeItem(at: data) }
    }
}
