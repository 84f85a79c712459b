import ArgumentParser
import Foundation
import Library
import SpotifyWebAPI
import Vapor

/// `playkeeper serve`: the web page, the JSON API and the scheduled jobs for every logged-in person.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve Playkeeper: the web page, the JSON API, /healthz, /metrics and each person's jobs.",
        discussion: """
            The JSON API lives under /api/v1 and is described at /openapi.yaml. Each person's jobs are the hourly \
            token refresh and the periodic sync followed by the unified playlist's update.

            Configuration comes from the environment: HOST, PORT, PLAYKEEPER_PUBLIC_URL (behind a reverse proxy), \
            PLAYKEEPER_SYNC_INTERVAL, PLAYKEEPER_SCHEDULER_TICK, PLAYKEEPER_JOB_LEASE, PLAYKEEPER_SHARD_SIZE, \
            DATABASE_URL, PLAYKEEPER_SECRET_KEY, PLAYKEEPER_DATA_DIR and SPOTIFY_*. Several instances may share one \
            store (see the README's "Two instances behind one proxy"). The redirect URI to register with Spotify is \
            printed at start.

            Examples:
              SPOTIFY_CLIENT_ID=… playkeeper serve
              PLAYKEEPER_PUBLIC_URL=https://music.example.org DATABASE_URL=postgres://… playkeeper serve --port 8080

            Exit codes: 0 stopped by Ctrl-C or SIGTERM, 1 error (a bad variable is named), 2 usage.
            """)

    @Option(help: "Address to listen on (default HOST or 127.0.0.1).")
    var host: String?
    @Option(help: "Port to listen on (default PORT or 8080).")
    var port: Int?

    func run() async throws {
        try await CommandRunner.run { app in
            let environment = ProcessInfo.processInfo.environment
            var settings = try ServerSettings.fromEnvironment(environment)
            if let host = self.host { settings.host = host }
            if let port = try NumericInput.option(self.port, "--port", in: 0...65_535) { settings.port = port }
            let running: ServiceRunner.Running
            do {
                running = try await ServiceRunner.start(app, settings: settings, environment: environment)
            } catch ConfigurationError.missing("SPOTIFY_CLIENT_ID") {
                // The first thing a newcomer who runs `playkeeper` without arguments sees.
                throw PlaykeeperError(
                    .failed,
                    "SPOTIFY_CLIENT_ID is not set: register a Spotify app and set it (see the README), "
                        + "or try everything offline with 'playkeeper demo'")
            }
            Output.progress(
                "Playkeeper on \(running.url.absoluteString); Spotify redirect URI: \(running.context.api.configuration.redirectURI.absoluteString). Ctrl-C stops it."
            )
            Output.result(running.url.absoluteString)
            try await ServiceRunner.runUntilStopped(app, running)
        }
    }
}
