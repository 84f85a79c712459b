import App
import Crypto
import EmulatorTestSupport
import FluentKit
import Foundation
import PlaykeeperJSON
import SpotifyEmulator
import SpotifyWebAPI
import Store
import Testing
import Vapor
import VaporTesting

/// The service's routes on a test mirror (store + emulator + a logged-in `demo`), served in memory.
final class TestServer: @unchecked Sendable {
    let mirror: TestMirror
    let context: ServerContext
    let clock: TestClock

    var app: Application { mirror.app }
    var database: any Database { mirror.database }

    /// With `clientSecret`, the service logs people in with the confidential flow instead of PKCE.
    init(mirror: TestMirror, settings: ServerSettings = ServerSettings(), clientSecret: String? = nil) throws {
        self.mirror = mirror
        let clock = TestClock(start: Date())
        self.clock = clock
        let metrics = ServiceMetrics()
        var configuration = mirror.api.configuration
        configuration.clientSecret = clientSecret
        let api = SpotifyAPI(
            configuration: configuration, tokenStore: mirror.context.tokens, transport: mirror.api.transport,
            budget: RequestBudget(limit: 100_000), retryPolicy: mirror.api.retryPolicy, clock: clock,
            logger: mirror.api.logger, observer: metrics)
        context = ServerContext(settings: settings, mirror: mirror.context, api: api, metrics: metrics)
        try Server.configure(mirror.app, context: context)
    }

    static func with(
        _ kind: StoreKind = .sqlite, library: EmulatorLibrary = LibraryGenerator(seed: 7, playlists: 6, items: 60).generate(),
        settings: ServerSettings = ServerSettings(), clientSecret: String? = nil, _ body: (TestServer) async throws -> Void
    ) async throws {
        try await TestMirror.with(kind, library: library) { mirror in
            let server = try TestServer(mirror: mirror, settings: settings, clientSecret: clientSecret)
            do {
                try await body(server)
            } catch {
                await server.context.scheduler.stop()
                throw error
            }
            await server.context.scheduler.stop()
        }
    }

    // MARK: Requests

    struct Reply {
        let status: HTTPStatus
        let headers: HTTPHeaders
        let body: String

        var json: JSONValue { (try? JSONValue(parsing: body)) ?? .null }
        var errorMessage: String? { json["error"]?["message"]?.stringValue }
    }

    /// Sends a request in memory and returns what came back.
    func send(
        _ method: HTTPMethod, _ path: String, bearer: String? = nil, cookie: String? = nil, csrf: String? = nil,
        json: JSONValue? = nil, body: String? = nil, form: [String: String]? = nil, accept: String? = nil,
        cookies: [String: String] = [:]
    ) async throws -> Reply {
        var headers = HTTPHeaders()
        if let bearer { headers.bearerAuthorization = BearerAuthorization(token: bearer) }
        var jar = cookies
        if let cookie { jar["playkeeper_session"] = cookie }
        if !jar.isEmpty {
            headers.replaceOrAdd(
                name: .cookie, value: jar.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        if let csrf { headers.replaceOrAdd(name: "X-CSRF-Token", value: csrf) }
        if let accept { headers.replaceOrAdd(name: .accept, value: accept) }
        var buffer: ByteBuffer?
        if let json {
            headers.contentType = .json
            buffer = ByteBuffer(string: json.serialized())
        } else if let body {
            headers.contentType = .json
            buffer = ByteBuffer(string: body)
        } else if let form {
            headers.contentType = .urlEncodedForm
            var components = URLComponents()
            components.queryItems = form.map { URLQueryItem(name: $0.key, value: $0.value) }
            buffer = ByteBuffer(string: components.percentEncodedQuery ?? "")
        }
        var reply: Reply?
        try await app.testing().test(method, path, headers: headers, body: buffer) { response in
            reply = Reply(status: response.status, headers: response.headers, body: response.body.string)
        }
        return reply!
    }

    // MARK: Callers

    /// A personal API token for a user, made directly in the store.
    func token(for spotifyID: String = "demo") async throws -> String {
        let secret = "pk_test_" + UUID().uuidString
        let record = APITokenRecord()
        record.$user.id = try #require(try await UserRecord.query(on: database).filter(\.$spotifyID == spotifyID).first()?.id)
        record.name = "test"
        record.tokenHash = Self.sha256(secret)
        record.prefix = String(secret.prefix(9))
        record.createdAt = Date()
        try await record.create(on: database)
        return secret
    }

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Logs `user` in through the real pages: `/login`, the emulator's consent, `/callback`. Returns the
    /// session cookie and its CSRF token.
    func login(as user: String = "demo") async throws -> (cookie: String, csrf: String) {
        try await mirror.state.setApprover(user: user, deny: false)
        let (redirect, loginCookie) = try await startLogin()
        let callback = try await send(.GET, "/callback?" + (redirect.query ?? ""), cookies: loginCookie)
        #expect(callback.status == .seeOther, "\(callback.body)")
        let cookie = try #require(Self.cookies(callback)["playkeeper_session"])
        let session = try #require(
            try await WebSessionRecord.query(on: database).filter(\.$tokenHash == Self.sha256(cookie)).first())
        return (cookie, session.csrfToken)
    }

    /// `/login` and the emulator's consent: the address Spotify sends the browser back to, and the login cookie
    /// the browser holds meanwhile.
    func startLogin() async throws -> (redirect: URL, cookies: [String: String]) {
        let start = try await send(.GET, "/login")
        #expect(start.status == .seeOther)
        let authorize = try #require(start.headers.first(name: .location).flatMap(URL.init(string:)))
        let redirect = try await mirror.harness.approve(url: authorize)
        return (redirect, Self.cookies(start))
    }

    /// The cookies a response sets (name to value; an emptied cookie has the value "").
    static func cookies(_ reply: Reply) -> [String: String] { cookies(setCookie: reply.headers[.setCookie]) }

    /// Name to value from `Set-Cookie` header values.
    static func cookies(setCookie: [String]) -> [String: String] {
        var found: [String: String] = [:]
        for header in setCookie {
            guard let pair = header.split(separator: ";").first, let equals = pair.firstIndex(of: "=") else { continue }
            found[String(pair[..<equals]).trimmingCharacters(in: .whitespaces)] = String(pair[pair.index(after: equals)...])
        }
        return found
    }

    /// Waits for the scheduler's running jobs.
    func settle() async { await context.scheduler.waitUntilIdle() }
}
