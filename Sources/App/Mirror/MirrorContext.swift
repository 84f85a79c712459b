import Fluent
import FluentKit
import SQLKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Library
import SpotifyWebAPI
import Store
import Vapor

/// What every command that touches the mirror needs: the data directory, the database (migrated), the
/// encrypted token store and a Spotify API bound to it. Built once per process, on first use.
public struct MirrorContext: Sendable {
    public let directory: DataDirectory
    public let location: DatabaseLocation
    public let database: any Database
    public let tokens: DatabaseTokenStore
    /// The most songs a shard of the unified playlist holds (`PLAYKEEPER_SHARD_SIZE`, Spotify's cap by default).
    public var shardSize = MirrorContext.shardSizes.upperBound
    /// The play length from which a play counts in the statistics (`PLAYKEEPER_COUNTS_AFTER`, 30 s by default).
    public var countsAfterMS = ListeningStats.defaultMinimumMS

    public init(directory: DataDirectory, location: DatabaseLocation, database: any Database, tokens: DatabaseTokenStore) {
        self.directory = directory
        self.location = location
        self.database = database
        self.tokens = tokens
    }

    /// The unified playlist of `user`, with this store's shard size.
    public func unified(for user: UserRecord, api: SpotifyAPI) -> UnifiedService {
        var service = UnifiedService(database: database, client: api.client(for: user.spotifyID), user: user)
        service.shardSize = shardSize
        return service
    }

    /// Opens (and migrates) the store that `DATABASE_URL` names. A bad URL or an unreachable server is a clear error.
    public static func open(_ app: Application, environment: [String: String] = ProcessInfo.processInfo.environment) async throws
        -> MirrorContext
    {
        if let existing = app.storage[MirrorContextKey.self] { return existing }
        let directory = DataDirectory(environment: environment)
        try directory.ensureExists()
        let location = try DatabaseLocation.parse(environment["DATABASE_URL"], dataDirectory: directory.url)
        let shardSize = try Self.shardSize(environment)
        let countsAfter = try Self.countsAfterMS(environment)
        let box = try SecretBox.load(environment: environment, dataDirectory: directory.url)
        try await configureDatabase(app, location: location)
        let database = app.db
        var context = MirrorContext(
            directory: directory, location: location, database: database, tokens: DatabaseTokenStore(database: database, box: box)
        )
        context.shardSize = shardSize
        context.countsAfterMS = countsAfter
        try await context.importFileTokens(logger: app.logger)
        app.storage[MirrorContextKey.self] = context
        return context
    }

    /// Registers the database with Fluent and (unless `migrate` is false) runs the migrations.
    public static func configureDatabase(_ app: Application, location: DatabaseLocation, migrate: Bool = true) async throws {
        switch location {
        case .sqlite(let path):
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            try? FileManager.default.createDirectory(
                at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            if migrate { try PrivateFile.secureSQLite(at: path) }
            app.databases.use(.sqlite(.file(path), sqlLogLevel: .trace), as: .sqlite)
        case .postgres(let url, _):
            var configuration: SQLPostgresConfiguration
            do {
                configuration = try SQLPostgresConfiguration(url: url)
            } catch {
                throw StoreError.invalidDatabaseURL("cannot read \(location.description)")
            }
            // No JIT compilation: PostgreSQL compiles a query whose estimated cost passes `jit_above_cost`, and for
            // the roll-ups' statements (tens of milliseconds each) the compile took longer than the query.
            configuration.coreConfiguration.options.additionalStartupParameters.append(("jit", "off"))
            // Two connections per event loop: a request's query waits on the server's answer, not on the one before it
            // (the API's list served 1,350 requests/s with one, and PostgreSQL had CPU to spare).
            app.databases.use(
                .postgres(configuration: configuration, maxConnectionsPerEventLoop: 2, sqlLogLevel: .trace), as: .psql)
        }
        app.migrations.add(Store.migrations)
        guard migrate else { return }
        do {
            if location.isSQLite { try await configureSQLiteConnections(app) }
            try await app.autoMigrate()
        } catch let error as StoreError {
            throw error
        } catch {
            var detail = String(String(reflecting: error).prefix(300))
            // The driver's text should not hold the password, but never let it through if it does.
            if case .postgres(let url, _) = location,
                let password = URLComponents(url: url, resolvingAgainstBaseURL: false)?.password,
                !password.isEmpty
            {
                detail = detail.replacingOccurrences(of: password, with: "***")
            }
            throw StoreError.unreachable("\(location.description): \(detail)")
        }
    }

    /// Settings for every pooled SQLite connection (the pool keeps one per event loop).
    static func configureSQLiteConnections(_ app: Application) async throws {
        var first = true
        for eventLoop in app.eventLoopGroup.makeIterator() {
            guard let connection = app.databases.database(.sqlite, logger: app.logger, on: eventLoop) else { continue }
            let sql = try connection.sql()
            if first {
                // A new file takes 16 KiB pages (a catalogue row's raw JSON is 1-2 KiB); an existing file keeps its own.
                try await sql.raw("PRAGMA page_size = \(unsafeRaw: String(SQLiteTuning.pageSize))").run()
                // Several processes share the file: WAL lets readers work while one process writes.
                try await sql.raw("PRAGMA journal_mode = WAL").run()
                first = false
            }
            // Wait for another process's write instead of failing.
            try await sql.raw("PRAGMA busy_timeout = 30000").run()
            // In WAL mode, sync at checkpoints rather than on every commit (still crash-safe; the last commits may
            // be lost on power loss).
            try await sql.raw("PRAGMA synchronous = NORMAL").run()
            // A sync writes whole playlists per transaction: a larger page cache keeps SQLite from spilling pages
            // mid-transaction, and statement journals stay in memory instead of temporary files.
            try await sql.raw("PRAGMA cache_size = -16384").run()
            try await sql.raw("PRAGMA temp_store = MEMORY").run()
            // Checkpoint when the WAL holds about 40 MiB rather than SQLite's 4 MiB: each checkpoint syncs the
            // disk twice, and a first sync writes about 100 MB.
            struct PageSize: Decodable { var page_size: Int }
            let pageSize = try await sql.raw("PRAGMA page_size").first(decoding: PageSize.self)?.page_size ?? 4096
            let pages = SQLiteTuning.walCheckpointBytes / max(pageSize, 512)
            try await sql.raw("PRAGMA wal_autocheckpoint = \(unsafeRaw: String(pages))").run()
        }
    }

    /// Moves tokens from the foundation's `tokens.json` into the database, then deletes the file.
    func importFileTokens(logger: Logger) async throws {
        let file = FileTokenStore(directory: directory)
        guard FileManager.default.fileExists(atPath: file.file.path) else { return }
        for user in try await file.users() {
            if let token = try await file.token(for: user), try await tokens.token(for: user) == nil {
                try await tokens.save(token, for: user)
            }
        }
        try FileManager.default.removeItem(at: file.file)
        logger.notice("moved the tokens of tokens.json into the database and deleted the file")
    }

    /// The user a command acts for: `--user`, or the only user there is.
    public func user(_ requested: String?) async throws -> UserRecord {
        let users = try await tokens.users()
        if let requested {
            guard let user = users.first(where: { $0.spotifyID == requested }) else {
                throw PlaykeeperError(.needsLogin, "no user '\(requested)' has logged in; run 'playkeeper login'")
            }
            return user
        }
        switch users.count {
        case 0: throw PlaykeeperError(.needsLogin, "nobody has logged in yet; run 'playkeeper login'")
        case 1: return users[0]
        default:
            throw PlaykeeperError(
                .invalid,
                "several users are logged in (\(users.map(\.spotifyID).joined(separator: ", "))); pick one with --user ID"
            )
        }
    }

    /// A Spotify API whose tokens live in this store.
    public func spotify(
        environment: [String: String] = ProcessInfo.processInfo.environment, configuration given: SpotifyConfiguration? = nil,
        observer: (any SpotifyCallObserver)? = nil
    ) throws
        -> SpotifyAPI
    {
        let configuration = try given ?? SpotifyConfiguration.fromEnvironment(environment)
        let (limit, ceiling) = try Self.requestBudgetRange(environment)
        let budget = RequestBudget(
            limit: limit, ceiling: ceiling, store: DatabaseLearnedRateStore(database: database, clientID: configuration.clientID))
        return SpotifyAPI(configuration: configuration, tokenStore: tokens, budget: budget, observer: observer)
    }
}

extension MirrorContext {
    /// An integer setting from the environment: `fallback` when unset, a clear error naming the variable when out of
    /// `range` (`unit` says what it counts: "songs", "seconds").
    static func integerSetting(
        _ name: String, in range: ClosedRange<Int>, unit: String, fallback: Int, _ environment: [String: String]
    ) throws -> Int {
        guard let text = environment[name], !text.isEmpty else { return fallback }
        guard let value = NumericInput.integer(text, in: range) else {
            throw ConfigurationError.invalid(
                name,
                "'\(NumericInput.shown(text))' is not a number of \(unit) from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// The budgets `SPOTIFY_REQUEST_BUDGET` takes: at least one request per 30 s, at most far past any app's limit.
    static let requestBudgets = 1...100_000

    /// `SPOTIFY_REQUEST_BUDGET`, the requests per rolling 30 s the budget starts from (default 150; a rate learned
    /// by an earlier process comes first), and `SPOTIFY_REQUEST_BUDGET_MAX`, the most it grows to (default: no cap
    /// below Spotify's own 429s); a bad value names its variable.
    public static func requestBudgetRange(_ environment: [String: String]) throws -> (start: Int, ceiling: Int) {
        let start = try integerSetting(
            "SPOTIFY_REQUEST_BUDGET", in: requestBudgets, unit: "requests per 30 s", fallback: 150, environment)
        let ceiling = try integerSetting(
            "SPOTIFY_REQUEST_BUDGET_MAX", in: requestBudgets, unit: "requests per 30 s", fallback: requestBudgets.upperBound,
            environment)
        guard start <= ceiling else {
            throw ConfigurationError.invalid(
                "SPOTIFY_REQUEST_BUDGET", "\(start) is above SPOTIFY_REQUEST_BUDGET_MAX (\(ceiling)): lower it, or raise the cap")
        }
        return (start, ceiling)
    }

    /// The shard sizes `PLAYKEEPER_SHARD_SIZE` takes: Spotify holds at most 10,000 entries in a playlist.
    static let shardSizes = 1...10_000

    /// `PLAYKEEPER_SHARD_SIZE`: smaller shards than Spotify's cap (for tests, or for players that slow down
    /// on long playlists); a bad value names the variable.
    public static func shardSize(_ environment: [String: String]) throws -> Int {
        try integerSetting("PLAYKEEPER_SHARD_SIZE", in: shardSizes, unit: "songs", fallback: shardSizes.upperBound, environment)
    }

    /// The play lengths `PLAYKEEPER_COUNTS_AFTER` takes, in seconds.
    static let countsAfterSeconds = 0...600

    /// `PLAYKEEPER_COUNTS_AFTER`: the seconds of `ms_played` from which a play counts (30, as Spotify counts a
    /// stream), in milliseconds. Changing it rebuilds each person's statistics once, at their next read.
    public static func countsAfterMS(_ environment: [String: String]) throws -> Int {
        try integerSetting(
            "PLAYKEEPER_COUNTS_AFTER", in: countsAfterSeconds, unit: "seconds",
            fallback: ListeningStats.defaultMinimumMS / 1000, environment) * 1000
    }
}

struct MirrorContextKey: StorageKey {
    typealias Value = MirrorContext
}

/// SQLite's settings for the mirror's bulk writes (measured with `playkeeper-bench sync`).
enum SQLiteTuning {
    static let pageSize = 16_384
    static let walCheckpointBytes = 40 << 20
}
