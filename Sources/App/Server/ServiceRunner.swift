import Foundation
import Logging
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
            throw CommandFailure(
                .error,
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

    static func waitAndStop(_ app: Application, _ running: Running) async {
        await Signals.waitForTermination()
        Output.progress("Stopping: letting running jobs finish (at most \(Int(running.context.settings.shutdownGrace)) s) …")
        await running.context.scheduler.stop()
        await app.server.shutdown()
    }
}
