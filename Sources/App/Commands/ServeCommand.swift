import ConsoleKit
import Foundation
import SpotifyWebAPI
import Vapor

/// `playkeeper serve`: the web page, the JSON API and the scheduled jobs for every logged-in person.
struct ServeCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "host", help: "Address to listen on (default HOST or 127.0.0.1).")
        var host: String?
        @Option(name: "port", help: "Port to listen on (default PORT or 8080).")
        var port: Int?
        init() {}
    }

    var help: String {
        """
        Serve Playkeeper: the web page, the JSON API (/api/v1, described at /openapi.yaml), /healthz and
        /metrics, and each person's jobs: the hourly token refresh and the periodic sync followed by the
        unified playlist's update.

        Configuration comes from the environment: HOST, PORT, PLAYKEEPER_PUBLIC_URL (behind a reverse proxy),
        PLAYKEEPER_SYNC_INTERVAL, PLAYKEEPER_SCHEDULER_TICK, PLAYKEEPER_JOB_LEASE, PLAYKEEPER_SHARD_SIZE,
        DATABASE_URL, PLAYKEEPER_SECRET_KEY, PLAYKEEPER_DATA_DIR and SPOTIFY_*. Several instances may share one
        store (see the README's "Two instances behind one proxy"). The redirect URI to register with Spotify is
        printed at start.

        Examples:
          SPOTIFY_CLIENT_ID=… playkeeper serve
          PLAYKEEPER_PUBLIC_URL=https://music.example.org DATABASE_URL=postgres://… playkeeper serve --port 8080

        Exit codes: 0 stopped by Ctrl-C or SIGTERM, 1 error (a bad variable is named), 2 usage.
        """
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        try await CommandRunner.run(context) {
            let environment = ProcessInfo.processInfo.environment
            var settings = try ServerSettings.fromEnvironment(environment)
            if let host = signature.host { settings.host = host }
            if let port = try NumericInput.option(signature.port, "--port", in: 0...65_535) { settings.port = port }
            let app = context.application
            let running: ServiceRunner.Running
            do {
                running = try await ServiceRunner.start(app, settings: settings, environment: environment)
            } catch ConfigurationError.missing("SPOTIFY_CLIENT_ID") {
                // The first thing a newcomer who runs `playkeeper` without arguments sees.
                throw CommandFailure(
                    .error,
                    "SPOTIFY_CLIENT_ID is not set: register a Spotify app and set it (see the README), "
                        + "or try everything offline with 'playkeeper demo'")
            }
            Output.progress(
                "Playkeeper on \(running.url.absoluteString); Spotify redirect URI: \(running.context.api.configuration.redirectURI.absoluteString). Ctrl-C stops it."
            )
            Output.result(running.url.absoluteString)
            await ServiceRunner.waitAndStop(app, running)
        }
    }
}
