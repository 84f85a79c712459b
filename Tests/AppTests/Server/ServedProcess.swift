import AsyncHTTPClient
import EmulatorTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import PlaykeeperJSON
import SpotifyEmulator
import Testing

/// A real `playkeeper serve` process on a free port, wired to an emulator in this process, driven over HTTP as a
/// browser or a script would drive it. A crash in the server is a dead process here, not a dead test runner.
final class ServedProcess: @unchecked Sendable {
    let harness: EmulatorHarness
    let run: ExecutableTests.Run
    let base: String
    let data: URL
    /// The environment `serve` runs with; other commands on the same store take it too.
    let environment: [String: String]
    /// Whether `stop()` removes the data directory (not when the caller gave it).
    private var ownsData = true
    private let client = HTTPClient(
        eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
    /// The browser's cookies, sent with every request that asks for them.
    private(set) var cookies: [String: String] = [:]
    /// The session's CSRF token and a personal API token, once `logIn()` ran.
    private(set) var csrf = ""
    private(set) var token = ""

    struct Reply {
        let status: Int
        let headers: HTTPHeaders
        let body: String
        var json: JSONValue { (try? JSONValue(parsing: body)) ?? .null }
    }

    private init(harness: EmulatorHarness, run: ExecutableTests.Run, base: String, data: URL, environment: [String: String]) {
        self.harness = harness
        self.run = run
        self.base = base
        self.data = data
        self.environment = environment
    }

    /// Starts the emulator (or uses `harness`) and `serve` (with `environment` added), and waits until it listens.
    static func start(
        environment extra: [String: String] = [:], secret: String? = nil, data: URL? = nil, harness given: EmulatorHarness? = nil
    ) async throws -> ServedProcess {
        let harness: EmulatorHarness
        if let given { harness = given } else { harness = try await EmulatorHarness.start() }
        let port = try ExecutableTests.freePort()
        let given = data
        let data = data ?? FileManager.default.temporaryDirectory.appendingPathComponent("pk-served-\(UUID().uuidString)")
        var environment = ExecutableTests().environment(harness, port: port, data: data, secret: secret)
        environment["PORT"] = String(port)
        environment.merge(extra) { _, new in new }
        let run = try ExecutableTests.Run(["serve"], environment: environment)
        let served = ServedProcess(
            harness: harness, run: run, base: "http://127.0.0.1:\(port)", data: data, environment: environment)
        served.ownsData = given == nil
        // `serve` prints its address on standard output once it listens.
        let lines = try await run.lines(1)
        guard lines.first?.hasPrefix("http") == true, run.process.isRunning else {
            try await served.stop()
            throw HarnessError("serve did not start: \(run.errors.suffix(2000))")
        }
        return served
    }

    var isAlive: Bool { run.process.isRunning }

    /// Sends a request; with `withCookies`, the browser's cookies go along and the ones it sets are kept.
    func send(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)] = [], body: String? = nil,
        withCookies: Bool = false
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: path.hasPrefix("http") ? path : base + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if withCookies, !cookies.isEmpty {
            request.headers.add(
                name: "Cookie", value: cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await client.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        if withCookies {
            for (name, value) in TestServer.cookies(setCookie: response.headers["Set-Cookie"]) {
                cookies[name] = value.isEmpty ? nil : value
            }
        }
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    /// Logs in through the pages (`/login`, the emulator's consent, `/callback`), reads the session's CSRF token
    /// from a page form, and makes a personal API token with it. Returns the address Spotify sent back.
    @discardableResult
    func logIn(as user: String = "demo") async throws -> URL {
        try await harness.state.setApprover(user: user, deny: false)
        let start = try await send(.GET, "/login", withCookies: true)
        #expect(start.status == 303)
        let authorize = try #require(start.headers.first(name: "Location").flatMap(URL.init(string:)))
        let redirect = try await harness.approve(url: authorize)
        let callback = try await send(.GET, "/callback?" + (redirect.query ?? ""), withCookies: true)
        #expect(callback.status == 303, "\(callback.body)")
        let account = try await send(.GET, "/account", withCookies: true)
        let form = try #require(account.body.range(of: #"name="csrf" value="[^"]+""#, options: .regularExpression))
        csrf = String(account.body[form].dropFirst(#"name="csrf" value=""#.count).dropLast())
        let made = try await send(
            .POST, "/api/v1/tokens", headers: [("Content-Type", "application/json"), ("X-CSRF-Token", csrf)],
            body: #"{"name": "tests"}"#, withCookies: true)
        #expect(made.status == 201, "\(made.body)")
        token = try #require(made.json["token"]?.stringValue)
        return redirect
    }

    /// Returns once the person's library is mirrored: `playkeeper sync` on the same store waits for the sync
    /// that the login started (the per-person lease), then syncs what is left, and exits.
    func waitForTheFirstSync() async throws {
        let sync = try ExecutableTests.Run(["sync", "--user", "demo"], environment: environment)
        let code = try await sync.exitCode(timeout: 120)
        #expect(code == 0, "sync: \(sync.errors.suffix(500))")
    }

    /// Stops the server (SIGTERM) and the emulator, and removes the data directory.
    func stop() async throws {
        if run.process.isRunning { run.process.terminate() }
        _ = try await run.exitCode(timeout: 30)
        try await client.shutdown()
        if ownsData { try? FileManager.default.removeItem(at: data) }
    }
}
