import ArgumentParser
import Crypto
import Foundation
import SpotifyEmulator
import SpotifyWebAPI
import Vapor

/// `playkeeper demo`: the emulator with a generated library and the service wired to it, in one process.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Try Playkeeper without a Spotify account: the Spotify emulator and the service, wired together.",
        discussion: """
            The emulator serves a generated library (playlists with duplicates, twins, local files and episodes, a \
            followed playlist, Liked Songs) and the service runs on SQLite in a temporary directory. Open the \
            printed address and log in. Once you have, a year of generated listening history is imported for you, so \
            the Listening page has charts at once, and every playlist made from listening is turned on (For you).

            The demo ignores DATABASE_URL and every SPOTIFY_* variable: it never touches a real store or a real \
            Spotify. Ctrl-C stops it and deletes its data, unless --keep-data.

            Examples:
              swift run playkeeper demo
              playkeeper demo --port 9000 --keep-data

            Exit codes: 0 stopped by Ctrl-C, 1 error (a busy port, for example), 2 usage.
            """)

    @Option(help: "The page's port on 127.0.0.1 (default 8080; 0 picks a free one).")
    var port: Int?
    @Flag(name: .customLong("keep-data"), help: "Keep the demo's data directory instead of deleting it at the end.")
    var keepData = false

    func run() async throws {
        try await CommandRunner.run { app in
            let port = try NumericInput.option(self.port, "--port", in: 0...65_535, default: 8080)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "playkeeper-demo-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

            let library = LibraryGenerator(seed: 1, playlists: 8, items: 40).generate()
            let state = EmulatorState(apps: [.demo], library: library, seed: 1)
            let emulator = try await SpotifyEmulator.start(state: state, port: 0, logLevel: .error)
            // Only what the demo sets: nothing from the real environment reaches the store or Spotify settings.
            let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
            let environment = [
                "PLAYKEEPER_DATA_DIR": directory.path, "PLAYKEEPER_SECRET_KEY": key,
                "SPOTIFY_CLIENT_ID": EmulatorState.RegisteredApp.demo.clientID,
                "SPOTIFY_API_URL": emulator.apiURL, "SPOTIFY_ACCOUNTS_URL": emulator.accountsURL,
            ]
            var settings = ServerSettings()
            settings.port = port
            do {
                let running = try await ServiceRunner.start(app, settings: settings, environment: environment)
                // The emulator's app registers exactly the redirect URI the service answers, as a person's app does.
                try await state.setRedirectURIs(
                    clientID: EmulatorState.RegisteredApp.demo.clientID,
                    [running.context.api.configuration.redirectURI.absoluteString])
                Output.progress(
                    "Playkeeper demo: a Spotify emulator on \(emulator.baseURL) and the service on SQLite in \(directory.path).")
                Output.progress("Open \(running.url.absoluteString) and log in (as the emulator's user 'demo'). Ctrl-C stops it.")
                Output.result(running.url.absoluteString)
                let history = Task { await DemoHistory.seed(after: Date(), library: library, context: running.context) }
                defer { history.cancel() }
                try await ServiceRunner.runUntilStopped(app, running)
            } catch {
                await emulator.shutdown()
                if !keepData { try? FileManager.default.removeItem(at: directory) }
                throw error
            }
            await emulator.shutdown()
            if keepData {
                Output.progress("The demo's data stays in \(directory.path).")
            } else {
                try? FileManager.default.removeItem(at: directory)
            }
        }
    }
}
