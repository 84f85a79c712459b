import App
import Crypto
import EmulatorTestSupport
import Fluent
import FluentKit
import FluentPostgresDriver
import Library
import Foundation
import Logging
import SQLKit
import SpotifyEmulator
import SpotifyWebAPI
import Store
import Testing
import Vapor

/// The stores every store test runs against: SQLite always, PostgreSQL when scripts/test started one
/// (`PLAYKEEPER_TEST_POSTGRES_URL`). Under CI the PostgreSQL server is required.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["PLAYKEEPER_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static var available: [StoreKind] {
        postgresURL != nil || ProcessInfo.processInfo.environment["CI"] == "true" ? [.sqlite, .postgres] : [.sqlite]
    }

    var testDescription: String { rawValue }
}

/// A fresh, migrated store with its own data directory, and an emulator with a logged-in user.
final class TestMirror: @unchecked Sendable {
    let app: Application
    let context: MirrorContext
    let harness: EmulatorHarness
    let api: SpotifyAPI
    let key: SymmetricKey
    let databaseURL: String

    var database: any Database { context.database }
    var state: EmulatorState { harness.state }

    static func make(
        _ kind: StoreKind, library: EmulatorLibrary = LibraryGenerator(seed: 7, playlists: 6, items: 60).generate(),
        retryPolicy: RetryPolicy = RetryPolicy(maxJitter: 0)
    ) async throws -> TestMirror {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pk-mirror-\(UUID().uuidString)")
        let directory = DataDirectory(url: root)
        try directory.ensureExists()
        let databaseURL: String
        switch kind {
        case .sqlite:
            databaseURL = "sqlite://" + root.appendingPathComponent("mirror.sqlite").path
        case .postgres:
            guard let admin = StoreKind.postgresURL else {
                throw HarnessError("PLAYKEEPER_TEST_POSTGRES_URL is not set: run the tests through scripts/test")
            }
            databaseURL = try await createDatabase(admin: admin)
        }
        let location = try DatabaseLocation.parse(databaseURL, dataDirectory: root)
        var logger = Logger(label: "test-mirror")
        logger.logLevel = .warning
        let app = try await Application.make(.testing, .singleton, logger: logger)
        app.logger = logger
        try await MirrorContext.configureDatabase(app, location: location)
        let key = SymmetricKey(size: .bits256)
        let tokens = DatabaseTokenStore(database: app.db, box: SecretBox(key: key))
        let context = MirrorContext(directory: directory, location: location, database: app.db, tokens: tokens)

        let harness = try await EmulatorHarness.start(library: library)
        let configuration = try harness.configuration()
        let flow = LoginFlow(configuration: configuration, transport: harness.transport, store: tokens)
        let authorization = flow.start()
        let loggedIn = try await flow.complete(redirect: try await harness.approve(authorization), authorization: authorization)
        try await tokens.recordLogin(loggedIn.user, token: loggedIn.token)
        let api = SpotifyAPI(
            configuration: configuration, tokenStore: tokens, transport: harness.transport,
            budget: RequestBudget(limit: 100_000), retryPolicy: retryPolicy, logger: logger)
        return TestMirror(app: app, context: context, harness: harness, api: api, key: key, databaseURL: databaseURL)
    }

    init(
        app: Application, context: MirrorContext, harness: EmulatorHarness, api: SpotifyAPI, key: SymmetricKey,
        databaseURL: String
    ) {
        self.app = app
        self.context = context
        self.harness = harness
        self.api = api
        self.key = key
        self.databaseURL = databaseURL
    }

    /// Runs `body` with a fresh mirror, and always shuts it down (Vapor aborts when an app is not shut down).
    static func with(
        _ kind: StoreKind, library: EmulatorLibrary = LibraryGenerator(seed: 7, playlists: 6, items: 60).generate(),
        retryPolicy: RetryPolicy = RetryPolicy(maxJitter: 0), _ body: (TestMirror) async throws -> Void
    ) async throws {
        let mirror = try await make(kind, library: library, retryPolicy: retryPolicy)
        do {
            try await body(mirror)
        } catch {
            await mirror.shutdown()
            throw error
        }
        await mirror.shutdown()
    }

    /// A new database on the test server, so tests never share tables.
    static func createDatabase(admin: String) async throws -> String {
        var logger = Logger(label: "test-admin")
        logger.logLevel = .warning
        let app = try await Application.make(.testing, .singleton, logger: logger)
        let name = "pk_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        do {
            app.databases.use(.postgres(configuration: try SQLPostgresConfiguration(url: admin)), as: .psql)
            try await app.db.sql().raw("CREATE DATABASE \(ident: String(name))").run()
            try await app.asyncShutdown()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        var components = URLComponents(string: admin)!
        components.path = "/\(name)"
        return components.string!
    }

    func shutdown() async {
        await harness.shutdown()
        try? await app.asyncShutdown()
    }

    func sync(concurrency: Int = 4) async throws -> SyncReport {
        try await actions().sync(wait: 30, concurrency: concurrency)
    }

    /// The entry point into demo's library, through `api` (the mirror's own by default).
    func actions(api given: SpotifyAPI? = nil, origin: String = "a test") async throws -> UserActions {
        UserJobs.actions(try await user(), context: context, api: given ?? api, origin: origin)
    }

    // MARK: What the store holds

    func user() async throws -> UserRecord {
        try #require(try await UserRecord.query(on: database).filter(\.$spotifyID == "demo").first())
    }

    func playlist(_ spotifyID: String) async throws -> PlaylistRecord? {
        try await PlaylistRecord.query(on: database).filter(\.$spotifyID == spotifyID).first()
    }

    func storedURIs(_ spotifyID: String) async throws -> [String?] {
        guard let playlist = try await playlist(spotifyID) else { return [] }
        return try await EntryRecord.query(on: database).filter(\.$playlist.$id == playlist.requireID()).sort(\.$position).all()
            .map(\.uri)
    }

    /// The emulator's URIs for a playlist as the store should hold them: withdrawn tracks read as `nil`.
    func expectedURIs(_ spotifyID: String) async -> [String?] {
        let library = await state.library()
        let withdrawn = Set(library.tracks.filter(\.unavailable).map(\.uri))
        return (await state.uris(of: spotifyID) ?? []).map { withdrawn.contains($0) ? nil : $0 }
    }

    /// The playlists `demo` can read the items of, per the emulator.
    func readablePlaylists() async -> [EmulatorLibrary.Playlist] {
        let library = await state.library()
        let listed = Set(library.follows["demo"] ?? [])
        return library.playlists.filter {
            listed.contains($0.id) && !$0.editorial && ($0.owner == "demo" || $0.collaborators.contains("demo"))
        }
    }

    /// Every readable playlist and Liked Songs equal the emulator's state: URIs in order, snapshot ids.
    func expectStoreEqualsEmulator(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for playlist in await readablePlaylists() {
            let stored = try await self.playlist(playlist.id)
            #expect(
                stored?.snapshotID == (await state.snapshotID(of: playlist.id)), "snapshot of \(playlist.name)",
                sourceLocation: sourceLocation)
            #expect(
                try await storedURIs(playlist.id) == (await expectedURIs(playlist.id)), "entries of \(playlist.name)",
                sourceLocation: sourceLocation)
        }
        let liked = try await storedURIs(PlaylistRecord.likedID)
        let withdrawn = Set((await state.library()).tracks.filter(\.unavailable).map(\.uri))
        let expectedLiked = (await state.likedURIs(of: "demo")).map { withdrawn.contains($0) ? nil : $0 }
        #expect(liked == expectedLiked, "Liked Songs", sourceLocation: sourceLocation)
    }

    /// A store is consistent when every playlist's entries belong to its stored snapshot: either it was never
    /// mirrored (no snapshot, no entries), or its entries are exactly the emulator's at that snapshot.
    func expectConsistent(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        for playlist in await readablePlaylists() {
            guard let stored = try await self.playlist(playlist.id) else { continue }
            let entries = try await storedURIs(playlist.id)
            if stored.snapshotID == nil {
                #expect(entries.isEmpty, "\(playlist.name) has entries but no snapshot", sourceLocation: sourceLocation)
            } else if stored.snapshotID == (await state.snapshotID(of: playlist.id)) {
                #expect(
                    entries == (await expectedURIs(playlist.id)), "\(playlist.name) is half-written",
                    sourceLocation: sourceLocation)
                #expect(stored.entryCount == entries.count, sourceLocation: sourceLocation)
            }
        }
    }

    /// The GET requests the emulator saw since the log was reset.
    func reads() async -> Int {
        await state.requestLog().requests.filter { $0.endpoint.hasPrefix("GET /v1/") }.count
    }

    /// The lower bound of issue #3 for a first sync.
    func firstSyncBound() async -> Int {
        let library = await state.library()
        let listed = library.follows["demo"]?.count ?? 0
        let readable = await readablePlaylists()
        let liked = library.liked["demo"]?.count ?? 0
        return ceilDiv(listed, 50) + readable.map { ceilDiv($0.entries.count, 50) + 1 }.reduce(0, +) + max(1, ceilDiv(liked, 50))
    }

    func listingReads() async -> Int { ceilDiv((await state.library()).follows["demo"]?.count ?? 0, 50) }
}

func ceilDiv(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }

extension UserActions {
    /// One history file through the one way to import (`importPlays(_:)`), as `playkeeper import FILE` takes it.
    func importPlays(name: String, data: Data, format: StreamingHistoryFile.Format) async throws -> PlayImporter.FileReport {
        let reports = try await importPlays([HistoryFileSource(name: name, format: format) { data }])
        return try #require(reports.first)
    }
}
