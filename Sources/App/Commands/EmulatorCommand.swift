import ArgumentParser
import Foundation
import Library
import PlaykeeperJSON
import SpotifyEmulator
import Vapor

/// `playkeeper emulator`: runs the Spotify emulator in the foreground.
struct EmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract:
            "Run the Spotify emulator: the Accounts service, the Web API (/v1) and the admin API (/__emulator) on 127.0.0.1.",
        discussion: """
            Prints SPOTIFY_API_URL=… and SPOTIFY_ACCOUNTS_URL=…, one per line, ready to paste into a shell.

            Examples:
              playkeeper emulator
              playkeeper emulator --port 0 --seed 7 --playlists 20 --items 200
              playkeeper emulator --library my-library.json --latency-ms 20 --rate-limit 100 --fault-rate 0.05
              playkeeper emulator --redirect-uri https://music.example.org/callback

            Exit codes: 0 stopped by Ctrl-C, 1 error (a busy port, say), 2 usage.
            """)

    @Option(help: "Port on 127.0.0.1 (default 9090; 0 picks a free one).")
    var port: Int?
    @Option(help: "Seed of the generated library (default 1).")
    var seed: Int?
    @Option(help: "Playlists the generated user owns (default 8).")
    var playlists: Int?
    @Option(help: "About this many entries per playlist (default 40).")
    var items: Int?
    @Option(help: "Load this library JSON file (the admin API's format) instead of generating one.")
    var library: String?
    @Option(
        name: .customLong("latency-ms"),
        help: "How long every request takes, in milliseconds (the emulator's own work counts within it).")
    var latencyMS: Int?
    @Option(name: .customLong("rate-limit"), help: "Requests allowed per rolling 30 s window; past it, 429 with Retry-After.")
    var rateLimit: Int?
    @Option(name: .customLong("fault-rate"), help: "Fraction (0-1) of Web API requests that fail with a 5xx.")
    var faultRate: Double?
    @Option(name: .customLong("client-id"), help: "The registered app's client id (default playkeeper-demo).")
    var clientID: String?
    @Option(name: .customLong("client-secret"), help: "The registered app's secret (default playkeeper-demo-secret).")
    var clientSecret: String?
    @Option(
        name: .customLong("redirect-uri"),
        help: ArgumentHelp(
            "A redirect URI registered for the app (repeatable; default http://127.0.0.1/callback and "
                + "http://[::1]/callback, any port).",
            discussion:
                "Matched as Spotify matches them: scheme, host, port and path exactly, except that a loopback address "
                + "registered without a port takes any port."))
    var redirectURIs: [String] = []
    @Flag(help: "Behave as an Extended Quota Mode app instead of Development Mode.")
    var extended = false

    func run() async throws {
        try await CommandRunner.run { app in
            let port = try NumericInput.option(self.port, "--port", in: 0...65_535, default: 9090)
            let seed = try NumericInput.option(self.seed, "--seed", in: 0...Int(UInt32.max), default: 1)
            let playlists = try NumericInput.option(self.playlists, "--playlists", in: 0...10_000, default: 8)
            let items = try NumericInput.option(self.items, "--items", in: 0...100_000, default: 40)
            let latencyMS = try NumericInput.option(self.latencyMS, "--latency-ms", in: 0...60_000, default: 0)
            let rateLimit = try NumericInput.option(self.rateLimit, "--rate-limit", in: 1...1_000_000)
            let faultRate = try NumericInput.option(self.faultRate, "--fault-rate", in: 0...1, default: 0)
            let library: EmulatorLibrary
            if let path = self.library {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw PlaykeeperError(.invalid, "cannot read the library file \(path)")
                }
                do {
                    library = try EmulatorLibrary.decoder().decode(EmulatorLibrary.self, from: data)
                } catch {
                    throw PlaykeeperError(.invalid, "\(path) is not a library file: \(error)")
                }
            } else {
                library = LibraryGenerator(seed: UInt64(seed), playlists: playlists, items: items).generate()
            }
            for uri in redirectURIs {
                if let problem = RedirectURIs.problem(uri) {
                    throw PlaykeeperError(.invalid, "--redirect-uri \(uri): \(problem)")
                }
            }
            let registered = EmulatorState.RegisteredApp(
                clientID: clientID ?? EmulatorState.RegisteredApp.demo.clientID,
                clientSecret: clientSecret ?? EmulatorState.RegisteredApp.demo.clientSecret,
                redirectURIs: redirectURIs.isEmpty ? EmulatorState.RegisteredApp.demo.redirectURIs : redirectURIs)
            let state = EmulatorState(apps: [registered], library: library, seed: UInt64(seed))
            var knobs = EmulatorKnobs()
            knobs.latencyMS = latencyMS
            knobs.rateLimit = rateLimit
            knobs.faultRate = faultRate
            knobs.extendedMode = extended
            await state.setKnobs(knobs)

            let running: RunningEmulator
            do {
                running = try await SpotifyEmulator.start(state: state, port: port, logLevel: .error)
            } catch {
                throw PlaykeeperError(.failed, "cannot start the emulator on port \(port): \(error)")
            }
            Output.result("SPOTIFY_API_URL=\(running.apiURL)\nSPOTIFY_ACCOUNTS_URL=\(running.accountsURL)")
            Output.progress("Spotify emulator on \(running.baseURL) (client id \(registered.clientID)). Ctrl-C stops it.")
            try await StopOnSignal.run(logger: app.logger) { await running.shutdown() }
        }
    }
}
