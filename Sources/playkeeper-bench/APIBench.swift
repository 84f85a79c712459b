import App
import ArgumentParser
import Crypto
import Fluent
import FluentKit
import Foundation
import Library
import Store
import Vapor

/// `playkeeper-bench api`: a 1,000-playlist library mirrored, then `playkeeper serve` in its own process on that
/// store, loaded by `hey` from outside: latency at a fixed rate, and the most it serves.
struct APIBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract:
            "GET /api/v1/playlists from a separate playkeeper serve process, driven by hey; prints p50, p99 and requests/s.",
        discussion: "Needs Debian's hey (apt-get install hey) and the release playkeeper product beside this binary.")

    @ArgumentParser.Option(help: "Playlists the person owns (the emulator adds a few followed ones).") var playlists = 1_000
    @ArgumentParser.Option(help: "Requests per second for the latency run.") var rate = 200
    @ArgumentParser.Option(help: "Seconds of each run.") var seconds = 10
    @ArgumentParser.Option(help: "Page size of each request.") var limit = 50
    @ArgumentParser.Option(help: "Connections for the latency run (hey's workers, which send together).")
    var pacedConnections = 4
    @ArgumentParser.Option(help: "Connections for the throughput run.") var connections = 16
    @ArgumentParser.Option(help: "A DATABASE_URL (postgres://…); a temporary SQLite file by default.") var database: String?

    func run() async throws {
        guard playlists > 0, seconds > 0, connections > 0, (1...rate).contains(pacedConnections), (1...200).contains(limit),
            (10...100_000).contains(rate)
        else {
            throw ValidationError(
                "--playlists, --seconds and --connections must be positive, --limit 1 to 200, --rate 10 to 100000")
        }
        try await BenchRun.with(emulator: ["--playlists", "\(playlists)", "--items", "3"]) { run in
            let (emulator, app, directory, logger) = (run.emulator, run.app, run.directory, run.logger)
            let location = try DatabaseLocation.parse(database, dataDirectory: directory.url)
            try await MirrorContext.configureDatabase(app, location: location)
            let key = SymmetricKey(size: .bits256)
            let login = try await BenchLogin.make(app: app, emulator: emulator, logger: logger, key: key)
            let report = try await login.actions(on: app.db).sync(wait: 30, concurrency: 8)
            let secret = "pk_bench_" + UUID().uuidString
            let token = APITokenRecord()
            token.$user.id = try login.user.requireID()
            token.name = "bench"
            token.tokenHash = Hex.string(SHA256.hash(data: Data(secret.utf8)))
            token.prefix = String(secret.prefix(9))
            token.createdAt = Date()
            try await token.create(on: app.db)
            let isSQLite = location.isSQLite
            let scale = isSQLite ? 1.0 : 1.5
            print(
                "playkeeper-bench api: \(report.playlistsListed) playlists on \(location.description), "
                    + "GET /api/v1/playlists?limit=\(limit) with a personal API token, from hey in its own process")

            var environment = [
                "PLAYKEEPER_DATA_DIR": directory.url.path,
                "PLAYKEEPER_SECRET_KEY": key.withUnsafeBytes { Data($0).base64EncodedString() },
                "SPOTIFY_CLIENT_ID": "playkeeper-demo", "SPOTIFY_CLIENT_SECRET": "playkeeper-demo-secret",
                "SPOTIFY_API_URL": emulator.base + "/v1", "SPOTIFY_ACCOUNTS_URL": emulator.base,
            ]
            if let database { environment["DATABASE_URL"] = database }
            let server = try ServeProcess(environment: environment)
            defer { server.stop() }
            let url = "\(server.url)/api/v1/playlists?limit=\(limit)"
            let authorization = ["Authorization: Bearer \(secret)"]
            func checked(_ run: HeyRun) throws -> HeyRun {
                let failed = run.statuses.filter { $0.key != 200 }
                guard failed.isEmpty else { throw BenchError("answers other than 200: \(failed)") }
                return run
            }
            _ = try checked(HeyRun.run(url: url, headers: authorization, seconds: 2, workers: 4))  // warm up

            // 1. Latency at a fixed rate: hey's workers each send `rate / workers` requests a second. They tick
            // together, so each tick sends `workers` requests at once: a few clients' bursts, not one stream.
            let workers = pacedConnections
            let cpuBefore = server.cpuSeconds
            let paced = try checked(
                HeyRun.run(url: url, headers: authorization, seconds: seconds, workers: workers, ratePerWorker: rate / workers))
            let cpuPerRequest = (server.cpuSeconds - cpuBefore) / Double(paced.answered) * 1000
            let p99Target = 5 * scale
            print("")
            print(
                "  at \(workers * (rate / workers)) requests/s from \(workers) connections for \(seconds) s (\(paced.answered) answered)"
            )
            print(String(format: "       p50             %.2f ms", paced.percentile(0.50)))
            print(String(format: "       p90             %.2f ms", paced.percentile(0.90)))
            print(
                String(
                    format: "  %@ p99             %.2f ms (target < %.1f ms)", mark(paced.percentile(0.99) < p99Target),
                    paced.percentile(0.99), p99Target))
            print(String(format: "       max             %.2f ms", paced.slowest))
            print(String(format: "       server CPU      %.3f ms a request", cpuPerRequest))

            // 2. As many as it serves: `connections` connections, each sending again as soon as it is answered.
            let throughputTarget = 2_000 / scale
            let cpuBeforeMost = server.cpuSeconds
            let most = try checked(
                HeyRun.run(url: url, headers: authorization, seconds: seconds, workers: connections, everyAnswer: false))
            let mostCPU = server.cpuSeconds - cpuBeforeMost
            let health = try checked(
                HeyRun.run(url: "\(server.url)/healthz", headers: [], seconds: seconds, workers: connections, everyAnswer: false))
            print("")
            print("  as fast as it answers, \(connections) connections for \(seconds) s (hey shares the 2 cores)")
            print(
                String(
                    format: "  %@ /api/v1/playlists %.0f requests/s, p50 %.2f ms, p99 %.2f ms (target ≥ %.0f/s)",
                    mark(most.throughput >= throughputTarget), most.throughput, most.percentile(0.5), most.percentile(0.99),
                    throughputTarget))
            print(
                String(
                    format: "       CPU             the server %.3f ms a request, %.2f cores; hey %.2f cores",
                    mostCPU / Double(most.answered) * 1000, mostCPU / most.seconds, most.cpuSeconds / most.seconds))
            print(String(format: "       /healthz        %.0f requests/s, for comparison", health.throughput))
            if !isSQLite { print("  (PostgreSQL's targets are SQLite's within 1.5×)") }
        }
    }
}
