import EmulatorTestSupport
import Foundation
import NIOCore
import NIOPosix
import App
import PlaykeeperJSON
import SpotifyWebAPI
import SpotifyEmulator
import Testing

/// Runs the real `playkeeper` binary, as a person or a script would.
@Suite(.serialized)
struct ExecutableTests {
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["PLAYKEEPER_BINARY"] { return URL(fileURLWithPath: path) }
        // The test bundle sits next to the products in the build folder.
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("playkeeper")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return Fixtures.repositoryRoot.appendingPathComponent(".build/debug/playkeeper")
    }

    /// A running `playkeeper` process with its output collected. Waiting for output or for the exit is signalled
    /// by the process and its pipes, never polled.
    final class Run: @unchecked Sendable {
        let process = Process()
        let stdout = Pipe()
        let stderr = Pipe()
        private let lock = NSLock()
        private var out = Data()
        private var err = Data()
        /// Pipes not yet read to their end.
        private var open = 2
        private var exited = false
        /// Callers waiting for a condition on the collected output or the exit.
        private var waiters: [(condition: (Run) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []

        /// Runs `playkeeper` (or `executable`) with `arguments`, the environment without SPOTIFY_* and the data
        /// directory, plus `environment`.
        init(
            _ arguments: [String], environment: [String: String], executable: URL = ExecutableTests.binary,
            directory: URL? = nil
        ) throws {
            process.executableURL = executable
            process.currentDirectoryURL = directory
            process.arguments = arguments
            var merged = ProcessInfo.processInfo.environment.filter {
                !$0.key.hasPrefix("SPOTIFY_") && $0.key != "PLAYKEEPER_DATA_DIR"
            }
            merged.merge(environment) { _, new in new }
            process.environment = merged
            process.standardOutput = stdout
            process.standardError = stderr
            process.standardInput = FileHandle.nullDevice
            process.terminationHandler = { [self] _ in changed { exited = true } }
            try process.run()
            // One thread per pipe reads until the end, so that nothing the process wrote is lost after it exits.
            for (handle, isOutput) in [(stdout.fileHandleForReading, true), (stderr.fileHandleForReading, false)] {
                Thread.detachNewThread { [self] in
                    while case let chunk = handle.availableData, !chunk.isEmpty {
                        changed { isOutput ? out.append(chunk) : err.append(chunk) }
                    }
                    changed { open -= 1 }
                }
            }
        }

        var output: String { lock.withLock { String(decoding: out, as: UTF8.self) } }
        var errors: String { lock.withLock { String(decoding: err, as: UTF8.self) } }
        /// The process has exited and everything it wrote has been read.
        private var finished: Bool { exited && open == 0 }

        /// Applies a change under the lock, then wakes the waiters whose condition now holds.
        private func changed(_ change: () -> Void) {
            let ready = lock.withLock {
                change()
                let ready = waiters.filter { $0.condition(self) }
                waiters.removeAll { $0.condition(self) }
                return ready.map(\.continuation)
            }
            for continuation in ready { continuation.resume() }
        }

        /// Returns once `condition` (read under the lock) holds, or the process has finished.
        private func wait(until condition: @escaping (Run) -> Bool) async {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = lock.withLock {
                    let holds = condition(self) || finished
                    if !holds { waiters.append(({ condition($0) || $0.finished }, continuation)) }
                    return holds
                }
                if now { continuation.resume() }
            }
        }

        /// Waits until stdout has `count` lines, or the process ends.
        func lines(_ count: Int) async throws -> [String] {
            await wait { $0.out.split(separator: UInt8(ascii: "\n")).count >= count }
            return output.split(separator: "\n").map(String.init)
        }

        /// Waits until standard error holds `text`, or the process ends.
        func waitForErrors(containing text: String) async {
            await wait { String(decoding: $0.err, as: UTF8.self).contains(text) }
        }

        /// Waits for the process and returns its exit status; past `timeout` seconds it is stopped (SIGTERM).
        func exitCode(timeout: Double = 60) async throws -> Int32 {
            let process = self.process
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { if process.isRunning { process.terminate() } }
            await wait { $0.finished }
            return process.terminationStatus
        }
    }

    /// A port nobody listens on right now.
    static func freePort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).wait()
        let port = channel.localAddress!.port!
        try channel.close().wait()
        return port
    }

    func environment(_ harness: EmulatorHarness, port: Int, data: URL, secret: String? = nil) -> [String: String] {
        var environment = [
            "SPOTIFY_CLIENT_ID": "playkeeper-demo", "SPOTIFY_API_URL": harness.emulator.apiURL,
            "SPOTIFY_ACCOUNTS_URL": harness.emulator.accountsURL, "SPOTIFY_REDIRECT_URI": "http://127.0.0.1:\(port)/callback",
            "PLAYKEEPER_DATA_DIR": data.path,
        ]
        if let secret { environment["SPOTIFY_CLIENT_SECRET"] = secret }
        return environment
    }

    func temporary() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("playkeeper-cli-\(UUID().uuidString)")
    }

    @Test(arguments: [nil, "playkeeper-demo-secret"])
    func loginPrintsTheURLListensAndStoresTokens(secret: String?) async throws {
        let harness = try await EmulatorHarness.start()
        let data = temporary()
        let run = try Run(
            ["login", "--no-browser"], environment: environment(harness, port: try Self.freePort(), data: data, secret: secret))
        let lines = try await run.lines(1)
        let url = try #require(lines.first.flatMap(URL.init(string:)), "stdout: \(run.output) stderr: \(run.errors)")
        #expect(url.absoluteString.hasPrefix(harness.emulator.accountsURL + "/authorize?"))
        // The "browser": follow the emulator's redirect to the CLI's listener.
        let callback = try await harness.approve(url: url)
        #expect(try await harness.get(callback.absoluteString).status == 200)
        #expect(try await run.exitCode() == 0, "stderr: \(run.errors)")
        #expect(run.errors.contains("Logged in as Demo Listener (demo)"))
        #expect(!run.output.contains("refresh") && !run.errors.contains("AQ"), "no token is printed")
        let users = try Run(["users", "--json"], environment: ["PLAYKEEPER_DATA_DIR": data.path])
        #expect(try await users.exitCode() == 0, "stderr: \(users.errors)")
        let listed = try JSONValue(parsing: users.output)
        #expect(listed["users"]?[0]?["id"]?.stringValue == "demo")
        #expect(listed["users"]?[0]?["needs_login"]?.boolValue == false)
        #expect(FileManager.default.fileExists(atPath: data.appendingPathComponent("playkeeper.sqlite").path))
        #expect(FileManager.default.fileExists(atPath: data.appendingPathComponent("secret.key").path))
        await harness.shutdown()
    }

    @Test func loginOnABusyPortSuggestsTheWebPage() async throws {
        let harness = try await EmulatorHarness.start()
        let busy = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let run = try Run(
            ["login", "--no-browser"], environment: environment(harness, port: busy.localAddress!.port!, data: temporary()))
        #expect(try await run.exitCode() == 1)
        #expect(run.errors.contains("already in use"))
        #expect(run.errors.contains("web page"))
        #expect(run.output.isEmpty, "no URL is printed when nobody can receive the answer")
        try await busy.close()
        await harness.shutdown()
    }

    @Test func loginRefusesALocalhostRedirectWithSpotifysRule() async throws {
        let harness = try await EmulatorHarness.start()
        var environment = environment(harness, port: 1, data: temporary())
        environment["SPOTIFY_REDIRECT_URI"] = "http://localhost:8080/callback"
        let run = try Run(["login", "--no-browser"], environment: environment)
        #expect(try await run.exitCode() == 1)
        #expect(run.errors.contains("SPOTIFY_REDIRECT_URI"))
        #expect(run.errors.contains("127.0.0.1"))
        await harness.shutdown()
    }

    /// Spotify refuses a redirect URI not registered for the app with an error page in the browser; the CLI checks
    /// the address first and says which URI to register, before it prints an address that cannot work.
    @Test func loginNamesTheRedirectURIToRegisterWhenSpotifyRefusesIt() async throws {
        let harness = try await EmulatorHarness.start()
        try await harness.state.setRedirectURIs(clientID: "playkeeper-demo", ["https://music.example.org/callback"])
        let port = try Self.freePort()
        let run = try Run(["login", "--no-browser"], environment: environment(harness, port: port, data: temporary()))
        #expect(try await run.exitCode() == 1)
        #expect(run.errors.contains("http://127.0.0.1:\(port)/callback"), "\(run.errors)")
        #expect(run.errors.contains("not registered") && run.errors.contains("Redirect URIs"), "\(run.errors)")
        #expect(run.output.isEmpty, "no address is printed that Spotify would refuse")
        await harness.shutdown()
    }

    @Test func loginWithoutAClientIDNamesTheVariable() async throws {
        let run = try Run(["login", "--no-browser"], environment: ["PLAYKEEPER_DATA_DIR": temporary().path])
        #expect(try await run.exitCode() == 1)
        #expect(run.errors.contains("SPOTIFY_CLIENT_ID"))
    }

    @Test func loginPasteReadsTheRedirectFromStandardInput() async throws {
        let harness = try await EmulatorHarness.start()
        let data = temporary()
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["login", "--paste"]
        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment(harness, port: 9, data: data)) { _, new in new }
        process.environment = merged
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let firstLine = try await Task.detached { () -> String in
            var bytes = Data()
            while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
                bytes.append(byte)
            }
            return String(decoding: bytes, as: UTF8.self)
        }.value
        let url = try #require(URL(string: firstLine))
        let redirect = try await harness.approve(url: url)
        input.fileHandleForWriting.write(Data((redirect.absoluteString + "\n").utf8))
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(FileManager.default.fileExists(atPath: data.appendingPathComponent("playkeeper.sqlite").path))
        await harness.shutdown()
    }

    @Test func tokensOfTheFileStoreMoveIntoTheDatabase() async throws {
        let data = temporary()
        let directory = DataDirectory(url: data)
        try directory.ensureExists()
        let token = SpotifyToken(accessToken: "a", refreshToken: "r", expiresAt: Date(), scope: nil, authorizedAt: Date())
        try await FileTokenStore(directory: directory).save(token, for: "olduser")
        let run = try Run(["users", "--json"], environment: ["PLAYKEEPER_DATA_DIR": data.path])
        #expect(try await run.exitCode() == 0, "stderr: \(run.errors)")
        #expect(try JSONValue(parsing: run.output)["users"]?[0]?["id"]?.stringValue == "olduser")
        #expect(!FileManager.default.fileExists(atPath: data.appendingPathComponent("tokens.json").path), "the file is deleted")
    }

    @Test(arguments: [
        ("DATABASE_URL", "mysql://x@h/db", "DATABASE_URL is invalid"),
        ("DATABASE_URL", "postgres://u:secretpw@127.0.0.1:1/db", "cannot open the database"),
        ("PLAYKEEPER_SECRET_KEY", "short", "PLAYKEEPER_SECRET_KEY is invalid"),
    ])
    func badStoreSettingsAreClearErrors(_ name: String, _ value: String, _ message: String) async throws {
        let run = try Run(["sync"], environment: ["PLAYKEEPER_DATA_DIR": temporary().path, name: value])
        #expect(try await run.exitCode() == 1)
        #expect(run.errors.contains(message), "stderr: \(run.errors)")
        #expect(!run.errors.contains("secretpw"), "no password in messages")
    }

    @Test func aBadRequestBudgetIsNamed() async throws {
        let data = temporary()
        let directory = DataDirectory(url: data)
        try directory.ensureExists()
        try await FileTokenStore(directory: directory).save(
            SpotifyToken(accessToken: "a", refreshToken: "r", expiresAt: Date(), scope: nil, authorizedAt: Date()), for: "someone"
        )
        for value in ["lots", "0"] + HostileInputTests.values.dropFirst() {
            let run = try Run(
                ["sync"],
                environment: ["PLAYKEEPER_DATA_DIR": data.path, "SPOTIFY_CLIENT_ID": "x", "SPOTIFY_REQUEST_BUDGET": value])
            #expect(try await run.exitCode() == 1)
            #expect(run.errors.contains("SPOTIFY_REQUEST_BUDGET"), "\(value.prefix(30)): \(run.errors)")
        }
        for (start, ceiling, named) in [
            ("150", "lots", "SPOTIFY_REQUEST_BUDGET_MAX"), ("200", "100", "above SPOTIFY_REQUEST_BUDGET_MAX"),
        ] {
            let run = try Run(
                ["sync"],
                environment: [
                    "PLAYKEEPER_DATA_DIR": data.path, "SPOTIFY_CLIENT_ID": "x", "SPOTIFY_REQUEST_BUDGET": start,
                    "SPOTIFY_REQUEST_BUDGET_MAX": ceiling,
                ])
            #expect(try await run.exitCode() == 1)
            #expect(run.errors.contains(named), "\(start), \(ceiling): \(run.errors)")
        }
    }

    @Test func syncWithoutALoginExits3() async throws {
        let run = try Run(["sync"], environment: ["PLAYKEEPER_DATA_DIR": temporary().path, "SPOTIFY_CLIENT_ID": "x"])
        #expect(try await run.exitCode() == 3)
        #expect(run.errors.contains("playkeeper login"))
    }

    @Test func theEmulatorCommandPrintsItsURLsAndStopsOnSIGTERM() async throws {
        let run = try Run(
            [
                "emulator", "--port", "0", "--seed", "4", "--playlists", "3", "--items", "10", "--redirect-uri",
                "https://music.example.org/callback", "--redirect-uri", "http://127.0.0.1:8080/callback",
            ], environment: [:])
        let lines = try await run.lines(2)
        #expect(lines.count == 2, "stderr: \(run.errors)")
        let api = try #require(lines.first { $0.hasPrefix("SPOTIFY_API_URL=http://127.0.0.1:") })
        let accounts = try #require(lines.first { $0.hasPrefix("SPOTIFY_ACCOUNTS_URL=http://127.0.0.1:") })
        #expect(api.hasSuffix("/v1"))
        let base = String(accounts.dropFirst("SPOTIFY_ACCOUNTS_URL=".count))
        let harness = try await EmulatorHarness.start()
        let state = try JSONValue(parsing: try await harness.get(base + "/__emulator/state").body)
        #expect(state["playlists"]?.arrayValue?.count == 6, "3 owned + followed + collaborative + editorial")
        let apps = try JSONValue(parsing: try await harness.get(base + "/__emulator/apps").body)
        #expect(apps[0]?["redirect_uris"] == ["https://music.example.org/callback", "http://127.0.0.1:8080/callback"])
        await harness.shutdown()
        run.process.terminate()
        #expect(try await run.exitCode() == 0)
    }

    @Test func theEmulatorCommandRejectsBadOptions() async throws {
        let run = try Run(["emulator", "--fault-rate", "3"], environment: [:])
        #expect(try await run.exitCode() == 2)
        #expect(run.errors.contains("--fault-rate"))
        let missing = try Run(["emulator", "--library", "/nonexistent.json"], environment: [:])
        #expect(try await missing.exitCode() == 2)
        let localhost = try Run(["emulator", "--redirect-uri", "http://localhost:8080/callback"], environment: [:])
        #expect(try await localhost.exitCode() == 2)
        #expect(localhost.errors.contains("--redirect-uri") && localhost.errors.contains("localhost"), "\(localhost.errors)")
    }
}
