import Foundation
import Library
import Logging
import ServiceLifecycle
import UnixSignals
import Vapor

/// Starts the service on an application, runs it until SIGINT or SIGTERM, and shuts it down gracefully:
/// running jobs finish, or go back to the queue for the next start.
public enum ServiceRunner {
    public struct Running: Sendable {
        public let context: ServerContext
        public let url: URL
    }

    /// Opens the store, wires the routes, starts the HTTP server and the scheduler.
    public static func start(_ app: Application, settings: ServerSettings, environment: [String: String]) async throws
        -> Running
    {
        let configuration = try settings.spotifyConfiguration(environment)
        let mirror = try await MirrorContext.open(app, environment: environment)
        let metrics = ServiceMetrics()
        let api = try mirror.spotify(environment: environment, configuration: configuration, observer: metrics)
        let context = ServerContext(settings: settings, mirror: mirror, api: api, metrics: metrics, logger: app.logger)
        try Server.configure(app, context: context)
        app.http.server.configuration.hostname = settings.host
        app.http.server.configuration.port = settings.port
        do {
            try await app.server.start(address: .hostname(settings.host, port: settings.port))
        } catch {
            throw PlaykeeperError(
                .failed,
                "cannot listen on \(settings.host):\(settings.port) (\(error)); is another program using it? pick another port (demo: --port; serve: --port or PORT)"
            )
        }
        try await context.scheduler.start()
        var url = settings.baseURL
        if settings.publicURL == nil, settings.port == 0, let port = app.http.server.shared.localAddress?.port {
            url = URL(string: "http://\(settings.host):\(port)")!
        }
        return Running(context: context, url: url)
    }

    /// Runs until SIGINT or SIGTERM (through swift-service-lifecycle's service group), then stops gracefully:
    /// the scheduler lets running jobs finish within the grace period, and the HTTP server closes.
    static func runUntilStopped(_ app: Application, _ running: Running) async throws {
        try await StopOnSignal.run(logger: app.logger) {
            Output.progress(
                "Stopping: letting running jobs finish (at most \(Int(running.context.settings.shutdownGrace)) s) …")
            await running.context.scheduler.stop()
            await app.server.shutdown()
        }
    }
}

/// A service that waits for the group's graceful shutdown (SIGINT or SIGTERM) and then runs its `stop`.
/// `serve`, `demo` and `emulator` run in the foreground through it.
struct StopOnSignal: Service {
    let stop: @Sendable () async -> Void

    func run() async throws {
        // Returns when a shutdown signal arrives; throws only when the group is cancelled.
        try? await gracefulShutdown()
        await stop()
    }

    static func run(logger: Logger, stop: @escaping @Sendable () async -> Void) async throws {
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: StopOnSignal(stop: stop))], gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}
