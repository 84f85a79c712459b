import App
import AsyncHTTPClient
import Crypto
import Fluent
import FluentKit
import Foundation
import Library
import Logging
import Store
import Vapor

/// The Listening page over the benchmark's history: the service started on the same store (its scheduler
/// stopped, so that no job runs beside the requests), a browser session for the person, and `GET /listening` for
/// each period, timed from the client over loopback.
enum PageTiming {
    static func run(
        database: String, directory: DataDirectory, emulator: ExternalEmulator, user: UserRecord, runs: Int, plays: Int
    ) async throws {
        var logger = Logger(label: "bench-page")
        logger.logLevel = .error
        let app = try await Application.make(.custom(name: "bench-page"), .singleton, logger: logger)
        do {
            let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
            let environment = [
                "DATABASE_URL": database, "PLAYKEEPER_DATA_DIR": directory.url.appendingPathComponent("page").path,
                "PLAYKEEPER_SECRET_KEY": key, "SPOTIFY_CLIENT_ID": "playkeeper-demo", "SPOTIFY_API_URL": emulator.base + "/v1",
                "SPOTIFY_ACCOUNTS_URL": emulator.base,
            ]
            var settings = ServerSettings()
            settings.port = 0
            let running = try await ServiceRunner.start(app, settings: settings, environment: environment)
            await running.context.scheduler.stop()
            let secret = "bench-session-" + UUID().uuidString
            let session = WebSessionRecord()
            session.tokenHash = Hex.string(SHA256.hash(data: Data(secret.utf8)))
            session.$user.id = try user.requireID()
            session.csrfToken = UUID().uuidString
            session.createdAt = Date()
            session.expiresAt = Date().addingTimeInterval(3600)
            try await session.create(on: running.context.mirror.database)

            print("")
            print("  the Listening page over \(plays) plays (GET over loopback; median and slowest of \(runs) runs)")
            for period in ["30d", "1y", "all"] {
                let url = "\(running.url.absoluteString)/listening?period=\(period)"
                let times = try await HistoryBench.time(runs) {
                    var request = HTTPClientRequest(url: url)
                    request.headers.add(name: "Cookie", value: "playkeeper_session=\(secret)")
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                    let body = try await response.body.collect(upTo: 16 << 20)
                    guard response.status == .ok, body.readableBytes > 1000 else {
                        throw BenchError("GET /listening?period=\(period) answered \(response.status.code)")
                    }
                }
                let label = period.padding(toLength: 4, withPad: " ", startingAt: 0)
                print("  \(mark(times.slowest <= 0.150)) page \(label)   \(times) (target ≤ 150 ms)")
            }
            await app.server.shutdown()
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
