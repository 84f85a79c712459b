import ConsoleKit
import Foundation
import SpotifyEmulator
import Vapor

/// `playkeeper emulator`: runs the Spotify emulator in the foreground.
struct EmulatorCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "port", help: "Port on 127.0.0.1 (default 9090; 0 picks a free one).")
        var port: Int?
        @Option(name: "seed", help: "Seed of the generated library (default 1).")
        var seed: Int?
        @Option(name: "playlists", help: "Playlists the generated user owns (default 8).")
        var playlists: Int?
        @Option(name: "items", help: "About this many entries per playlist (default 40).")
        var items: Int?
        @Option(name: "library", help: "Load this library JSON file (the admin API's format) instead of generating one.")
        var library: String?
        @Option(
            name: "latency-ms", help: "How long every request takes, in milliseconds (the emulator's own work counts within it).")
        var latencyMS: Int?
        @Option(name: "rate-limit", help: "Requests allowed per rolling 30 s window; past it, 429 with Retry-After.")
        var rateLimit: Int?
        @Option(name: "fault-rate", help: "Fraction (0-1) of Web API requests that fail with a 5xx.")
        var faultRate: Double?
        @Option(name: "client-id", help: "The registered app's client id (default playkeeper-demo).")
        var clientID: String?
        @Option(name: "client-secret", help: "The registered app's secret (default playkeeper-demo-secret).")
        var clientSecret: String?
        @Flag(name: "extended", help: "Behave as an Extended Quota Mode app instead of Development Mode.")
        var extended: Bool
        init() {}
    }

    var help: String {
        """
        Run the Spotify emulator: the Accounts service, the Web API (/v1) and the admin API (/__emulator) on 127.0.0.1.

        Prints SPOTIFY_API_URL=… and SPOTIFY_ACCOUNTS_URL=…, one per line, ready to paste into a shell.

        Examples:
          playkeeper emulator
          playkeeper emulator --port 0 --seed 7 --playlists 20 --items 200
          playkeeper emulator --library my-library.json --latency-ms 20 --rate-limit 100 --fault-rate 0.05

        Exit codes: 0 stopped by Ctrl-C, 1 error (a busy port, say), 2 usage.
        """
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        try await CommandRunner.run(context) {
            let library: EmulatorLibrary
            if let path = signature.library {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw CommandFailure(.usage, "cannot read the library file \(path)")
                }
                do {
                    library = try EmulatorLibrary.decoder().decode(EmulatorLibrary.self, from: data)
                } catch {
                    throw CommandFailure(.usage, "\(path) is not a library file: \(error)")
                }
            } else {
                guard (signature.playlists ?? 8) >= 0, (signature.items ?? 40) >= 0 else {
                    throw CommandFailure(.usage, "--playlists and --items must not be negative")
                }
                library = LibraryGenerator(
                    seed: UInt64(max(0, signature.seed ?? 1)), playlists: signature.playlists ?? 8, items: signature.items ?? 40
                ).generate()
            }
            if let rate = signature.faultRate, !(0...1).contains(rate) {
                throw CommandFailure(.usage, "--fault-rate must be between 0 and 1")
            }
            if let limit = signature.rateLimit, limit < 1 { throw CommandFailure(.usage, "--rate-limit must be at least 1") }
            let app = EmulatorState.RegisteredApp(
                clientID: signature.clientID ?? EmulatorState.RegisteredApp.demo.clientID,
                clientSecret: signature.clientSecret ?? EmulatorState.RegisteredApp.demo.clientSecret)
            let state = EmulatorState(apps: [app], library: library, seed: UInt64(max(0, signature.seed ?? 1)))
            var knobs = EmulatorKnobs()
            knobs.latencyMS = max(0, signature.latencyMS ?? 0)
            knobs.rateLimit = signature.rateLimit
            knobs.faultRate = signature.faultRate ?? 0
            knobs.extendedMode = signature.extended
            await state.setKnobs(knobs)

            let running: RunningEmulator
            do {
                running = try await SpotifyEmulator.start(state: state, port: signature.port ?? 9090, logLevel: .error)
            } catch {
                throw CommandFailure(.error, "cannot start the emulator on port \(signature.port ?? 9090): \(error)")
            }
            Output.result("SPOTIFY_API_URL=\(running.apiURL)\nSPOTIFY_ACCOUNTS_URL=\(running.accountsURL)")
            Output.progress("Spotify emulator on \(running.baseURL) (client id \(app.clientID)). Ctrl-C stops it.")
            await Signals.waitForTermination()
            await running.shutdown()
        }
    }
}
