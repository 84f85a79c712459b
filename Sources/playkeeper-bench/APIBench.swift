import App
import ArgumentParser
import AsyncHTTPClient
import Crypto
import Fluent
import FluentKit
import Foundation
import Library
import Logging
import NIOCore
import SpotifyWebAPI
import Store
import Vapor

/// `playkeeper-bench api`: a 1,000-playlist library mirrored, then `GET /api/v1/playlists` at a fixed rate.
struct APIBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api", abstract: "Serves GET /api/v1/playlists at a fixed rate over a large library; prints p50 and p99.")

    @ArgumentParser.Option(help: "Playlists in the library.") var playlists = 1_000
    @ArgumentParser.Option(help: "Requests per second.") var rate = 200
    @ArgumentParser.Option(help: "Seconds of load.") var seconds = 10
    @ArgumentParser.Option(help: "Page size of each request.") var limit = 50

    func run() async throws {
        guard playlists > 0, rate > 0, seconds > 0, (1...200).contains(limit) else {
            throw ValidationError("--playlists, --rate and --seconds must be positive; --limit 1 to 200")
        }
        print("playkeeper-bench api: \(playlists) playlists, GET /api/v1/playlists?limit=\(limit) at \(rate)/s for \(seconds) s")
        try await BenchRun.with(emulator: ["--playlists", "\(playlists)", "--items", "3"]) { run in
            let (emulator, app, directory) = (run.emulator, run.app, run.directory)
            let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
            let environment = [
                "PLAYKEEPER_DATA_DIR": directory.url.path, "PLAYKEEPER_SECRET_KEY": key, "SPOTIFY_CLIENT_ID": "playkeeper-demo",
                "SPOTIFY_CLIENT_SECRET": "playkeeper-demo-secret", "SPOTIFY_API_URL": emulator.base + "/v1",
                "SPOTIFY_ACCOUNTS_URL": emulator.base,
            ]
            var settings = ServerSettings()
            settings.port = 0
            let running = try await ServiceRunner.start(app, settings: settings, environment: environment)
            let context = running.context

            // demo logs in and the library is mirrored.
            let flow = LoginFlow(
                configuration: context.api.configuration, transport: context.api.transport, store: context.mirror.tokens)
            let authorization = flow.start()
            let loggedIn = try await flow.complete(
                redirect: try await emulator.approve(authorization.url), authorization: authorization)
            let user = try await context.mirror.tokens.recordLogin(loggedIn.user, token: loggedIn.token)
            let actions = UserActions(
                database: context.mirror.database, api: context.api, tokens: context.mirror.tokens, user: user,
                origin: "the benchmark")
            let report = try await actions.sync(wait: 30, concurrency: 8)
            print("mirrored \(report.playlistsListed) playlists")
            let secret = "pk_bench_" + UUID().uuidString
            let token = APITokenRecord()
            token.$user.id = try user.requireID()
            token.name = "bench"
            token.tokenHash = SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
            token.prefix = String(secret.prefix(9))
            token.createdAt = Date()
            try await token.create(on: context.mirror.database)

            let url = "\(running.url.absoluteString)/api/v1/playlists?limit=\(limit)"
            func request() async throws -> Double {
                var request = HTTPClientRequest(url: url)
                request.headers.add(name: "Authorization", value: "Bearer \(secret)")
                let started = ContinuousClock.now
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                _ = try await response.body.collect(upTo: 10 << 20)
                guard response.status == .ok else { throw ValidationError("GET answered \(response.status.code)") }
                let elapsed = ContinuousClock.now - started
                return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            }
            for _ in 0..<50 { _ = try await request() }  // warm the connection pool and the caches

            // Open loop: request i starts at i / rate seconds, whatever the earlier ones do.
            let total = rate * seconds
            let interval = Duration.nanoseconds(1_000_000_000 / rate)
            let start = ContinuousClock.now
            var latencies: [Double] = []
            var failures = 0
            try await withThrowingTaskGroup(of: Double?.self) { group in
                for index in 0..<total {
                    try await Task.sleep(until: start + interval * index, clock: .continuous)
                    group.addTask { try? await request() }
                }
                for try await latency in group {
                    if let latency { latencies.append(latency) } else { failures += 1 }
                }
            }
            let wall = ContinuousClock.now - start
            latencies.sort()
            func percentile(_ p: Double) -> Double {
                latencies.isEmpty
                    ? .nan : latencies[min(latencies.count - 1, Int((Double(latencies.count) * p).rounded(.up)) - 1)]
            }
            let p99 = percentile(0.99)
            print("")
            print("  \(latencies.count) requests in \(wall), \(failures) failed")
            print(String(format: "       p50             %.2f ms", percentile(0.50)))
            print(String(format: "  %@ p99             %.2f ms (target < 10 ms)", mark(p99 < 10), p99))
            print(String(format: "       max             %.2f ms", latencies.last ?? .nan))
            await context.scheduler.stop()
            await app.server.shutdown()
        }
    }
}
