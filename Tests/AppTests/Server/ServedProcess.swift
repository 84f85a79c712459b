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

    private init(harness: EmulatorHarness, run: ExecutableTests.Run, base: String, data: URL) {
        self.harness = harness
        self.run = run
        self.base = base
        self.data = data
    }

    /// Starts the emulator and `serve` (with `environment` added), and waits until `/healthz` answers.
    static func start(environment extra: [String: String] = [:], secret: String? = nil, data: URL? = nil) async throws
        -> ServedProcess
    {
        let harness = try await EmulatorHarness.start()
        let port = try ExecutableTests.freePort()
        let given = data
        let data = data ?? FileManager.default.temporaryDirectory.appendingPathComponent("pk-served-\(UUID().uuidString)")
        var environment = ExecutableTests().environment(harness, port: port, data: data, secret: secret)
        environment["PORT"] = String(port)
        environment.merge(extra) { _, new in new }
        let run = try ExecutableTests.Run(["serve"], environment: environment)
        let served = ServedProcess(harness: harness, run: run, base: "http://127.0.0.1:\(port)", data: data)
        served.ownsData = given == nil
        for _ in 0..<300 {
            if let health = try? await served.send(.GET, "/healthz"), health.status == 200 { return served }
            guard run.process.isRunning else { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        try await served.stop()
        throw HarnessError("serve did not start: \(run.errors.suffix(2000))")
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
    func logIn() async throws -> URL {
        try await harness.state.setApprover(user: "demo", deny: false)
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

    /// Waits until the person's first sync (started by the login) has ended.
    func waitForTheFirstSync() async throws {
        for _ in 0..<600 {
            let jobs = try await send(.GET, "/api/v1/jobs", headers: [("Authorization", "Bearer \(token)")])
            let syncs = jobs.json["items"]?.arrayValue?.filter { $0["kind"]?.stringValue == "sync" } ?? []
            if syncs.contains(where: { ["succeeded", "failed"].contains($0["status"]?.stringValue) }) { return }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        Issue.record("the first sync did not end")
    }

    /// Stops the server (SIGTERM) and the emulator, and removes the data directory.
    func stop() async throws {
        if run.process.isRunning { run.process.terminate() }
        _ = try await run.exitCode(timeout: 30)
        try await client.shutdown()
        if ownsData { try? FileManager.default.removeItem(at: data) }
    }
}
