import App
import Vapor
import SQLKit
import Fluent
import Crypto
import EmulatorTestSupport
import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import SpotifyEmulator
import SpotifyWebAPI
import Store
import Testing

@Suite(.serialized)
struct InterruptionTests {
    @Test(arguments: StoreKind.available)
    func faultsMidSyncLeaveAConsistentStoreAndTheNextSyncCompletes(_ kind: StoreKind) async throws {
        try await TestMirror.with(
            kind, library: LibraryGenerator(seed: 11, playlists: 8, items: 140).generate(),
            retryPolicy: RetryPolicy(maxServerRetries: 0)
        ) { mirror in
            _ = try await mirror.state.updateKnobs(["fault_rate": 0.25])
            let first = try? await mirror.sync()
            try await mirror.expectConsistent()
            #expect(first == nil || !(first!.failures.isEmpty), "the faults hit something")

            _ = try await mirror.state.updateKnobs(["fault_rate": 0])
            let readable = await mirror.readablePlaylists()
            var alreadyMirrored = 0
            for playlist in readable {
                let stored = try await mirror.playlist(playlist.id)?.snapshotID
                if stored != nil, stored == (await mirror.state.snapshotID(of: playlist.id)) { alreadyMirrored += 1 }
            }
            let second = try await mirror.sync()
            try await mirror.expectStoreEqualsEmulator()
            #expect(second.playlistsUnchanged == alreadyMirrored, "playlists mirrored before are not read again")
            #expect(second.playlistsChanged == readable.count - alreadyMirrored)
        }
    }

    @Test(arguments: StoreKind.available)
    func anExpiredAccessTokenIsRefreshedAndTheSyncGoesOn(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind) { mirror in
            await mirror.state.expireAccessTokens()
            await mirror.state.resetRequestLog()
            let report = try await mirror.sync()
            #expect(report.retries == 1, "one request was repeated after the 401")
            #expect(await mirror.state.count("POST /api/token") == 1)
            try await mirror.expectStoreEqualsEmulator()
        }
    }

    @Test(arguments: StoreKind.available)
    func aRevokedTokenMarksTheUserAndEndsClearly(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind) { mirror in
            _ = try await mirror.sync()
            let target = try #require(await mirror.readablePlaylists().first { $0.owner == "demo" })
            _ = try await mirror.state.applyAppEdit([
                "op": "add", "playlist": .string(target.id), "uris": [.string(target.entries[0].uri)],
            ])
            await mirror.state.revokeTokens(user: "demo")
            do {
                _ = try await mirror.sync()
                Issue.record("the sync went on without a login")
            } catch let error as SpotifyError {
                guard case .reauthorizationRequired = error else {
                    Issue.record("got \(error)")
                    return
                }
                #expect(PlaykeeperError.from(error).kind.exitCode == .needsLogin)
                #expect(error.description.contains("log in again"))
            }
            #expect(try await mirror.user().needsLogin)
            try await mirror.expectConsistent()
            let run = try await SyncRunRecord.query(on: mirror.database).sort(\.$startedAt, .descending).first()
            #expect(run?.status == .failed)
        }
    }

    @Test(arguments: StoreKind.available)
    func twoProcessesRefreshingOnePKCETokenBothEndWithAWorkingToken(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind) { mirror in
            // A second "process": its own token manager and its own store object, sharing only the database.
            let otherStore = DatabaseTokenStore(database: mirror.database, box: SecretBox(key: mirror.key))
            let other = SpotifyAPI(
                configuration: mirror.api.configuration, tokenStore: otherStore, transport: mirror.harness.transport,
                retryPolicy: RetryPolicy(maxJitter: 0))
            // The access token is about to expire: both processes want to refresh it at once.
            var expiring = try #require(try await otherStore.token(for: "demo"))
            expiring.expiresAt = Date().addingTimeInterval(60)
            try await otherStore.save(expiring, for: "demo")
            await mirror.state.resetRequestLog()
            async let first = mirror.api.tokens.accessToken(for: "demo")
            async let second = other.tokens.accessToken(for: "demo")
            let (a, b) = try await (first, second)
            #expect(a == b, "both use the one new access token")
            #expect(await mirror.state.count("POST /api/token") == 1, "the second waited for the lock and re-read the token")
            #expect(try await mirror.api.client(for: "demo").currentUser().id == "demo")
            #expect(try await other.client(for: "demo").currentUser().id == "demo")
            // And the stored refresh token still works.
            let stored = try #require(try await otherStore.token(for: "demo"))
            #expect((try? await mirror.api.accounts.refresh(refreshToken: stored.refreshToken)) != nil)
        }
    }

    @Test func everySQLiteConnectionWaitsForAnotherProcessesWriteAndIsTunedForBulkWrites() async throws {
        try await TestMirror.with(.sqlite) { mirror in
            struct Row: Decodable { var timeout: Int }
            struct Checkpoint: Decodable { var wal_autocheckpoint: Int }
            struct PageSize: Decodable { var page_size: Int }
            for eventLoop in mirror.app.eventLoopGroup.makeIterator() {
                let connection = try #require(mirror.app.databases.database(nil, logger: mirror.app.logger, on: eventLoop))
                let rows = try await connection.sql().raw("PRAGMA busy_timeout").all(decoding: Row.self)
                #expect(rows.first?.timeout == 30_000, "not only the sync's writer: jobs, sessions and locks wait too")
                let checkpoint = try await connection.sql().raw("PRAGMA wal_autocheckpoint").first(decoding: Checkpoint.self)
                #expect(checkpoint?.wal_autocheckpoint == 2_560, "40 MiB of 16 KiB pages between checkpoints")
                let pages = try await connection.sql().raw("PRAGMA page_size").first(decoding: PageSize.self)
                #expect(pages?.page_size == 16_384, "a new file takes 16 KiB pages")
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func oneJobPerUserAtATime(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind) { mirror in
            let lock = try await DatabaseLock.acquire(
                "job:demo", on: mirror.database, ttl: 30, wait: 0, holder: "another process")
            do {
                _ = try await mirror.actions().sync(wait: 0.3, concurrency: 2)
                Issue.record("ran while another job held the lease")
            } catch let failure as PlaykeeperError {
                #expect(failure.message.contains("another sync, dedupe or unify of demo is running"))
            }
            try await lock.release()
            _ = try await mirror.actions().sync(wait: 0.3, concurrency: 2)
        }
    }

    @Test(.timeLimit(.minutes(3)), arguments: StoreKind.available)
    func aSyncProcessKilledMidRunLeavesAStoreTheNextSyncCompletes(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind, library: LibraryGenerator(seed: 12, playlists: 12, items: 200).generate()) { mirror in
            _ = try await mirror.state.updateKnobs(["latency_ms": 100])
            let key = mirror.key.withUnsafeBytes { Data($0).base64EncodedString() }
            let process = Process()
            process.executableURL = ExecutableTests.binary
            process.arguments = ["sync", "--user", "demo", "--concurrency", "2"]
            process.environment = ProcessInfo.processInfo.environment.merging([
                "DATABASE_URL": mirror.databaseURL, "PLAYKEEPER_SECRET_KEY": key,
                "PLAYKEEPER_DATA_DIR": mirror.context.directory.url.path,
                "SPOTIFY_CLIENT_ID": "playkeeper-demo", "SPOTIFY_API_URL": mirror.harness.emulator.apiURL,
                "SPOTIFY_ACCOUNTS_URL": mirror.harness.emulator.accountsURL,
            ]) { _, new in new }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Kill it mid-run: once it has read eight pages of playlists' items, at 100 ms a request.
            await mirror.state.waitForRequests("GET /v1/playlists/{id}/items", count: 8)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let written = try await PlaylistRecord.query(on: mirror.database).filter(\.$snapshotID != nil).count()
            #expect(process.terminationReason == .uncaughtSignal, "the sync was still running when killed")
            try await mirror.expectConsistent()
            _ = try await mirror.state.updateKnobs(["latency_ms": 0])
            // The killed process's lease expires; the next sync waits for it, then completes.
            _ = try await LockRecord.query(on: mirror.database).set(\.$expiresAt, to: 0).update()
            let report = try await mirror.sync()
            try await mirror.expectStoreEqualsEmulator()
            #expect(report.playlistsUnchanged >= written, "what the killed run mirrored is not read again")
            let statuses = try await SyncRunRecord.query(on: mirror.database).sort(\.$startedAt).all().map(\.status)
            #expect(statuses == [.interrupted, .succeeded], "the killed run is marked interrupted")
        }
    }
}
