import FluentKit
import Foundation
import Library
import SpotifyWebAPI
import Store
import Vapor

/// `GET /login`, `GET /callback` and `POST /logout`.
struct LoginRoutes: RouteCollection {
    /// A login must come back within this time.
    static let stateLifetime: TimeInterval = 600
    static let sessionLifetime: TimeInterval = 30 * 86_400

    func boot(routes: any RoutesBuilder) throws {
        routes.get("login", use: login)
        routes.get("callback", use: callback)
        routes.post("logout", use: logout)
    }

    /// The login a browser started: its `state`, its PKCE verifier and when it expires, sealed in a cookie of
    /// that browser. `/login` stores nothing, so strangers cannot fill the database by opening it.
    struct StartedLogin: Codable {
        var state: String
        var verifier: String?
        var expiresAt: Date
    }

    /// Bound to `/callback` and to the 10 minutes a login may take.
    static let loginCookie = SealedCookie(
        name: "playkeeper_login", purpose: "login", path: "/callback", maxAge: Int(stateLifetime))

    /// Redirects to Spotify's authorize page, with a single-use `state` and (without a secret) PKCE, both bound to
    /// this browser by a sealed, HttpOnly, SameSite=Lax cookie.
    func login(_ request: Request) async throws -> Response {
        let server = request.service
        let authorization = server.api.accounts.authorization()
        // A redirect URI Spotify would refuse is said here, naming what to register, rather than on Spotify's page.
        try await server.api.accounts.check(authorization)
        let started = StartedLogin(
            state: authorization.state, verifier: authorization.pkce?.verifier,
            expiresAt: server.now().addingTimeInterval(Self.stateLifetime))
        let response = request.redirect(to: authorization.url.absoluteString, redirectType: .normal)
        response.cookies[Self.loginCookie.name] = try Self.loginCookie.cookie(
            started, box: server.mirror.tokens.box, secure: server.settings.secureCookies)
        return response
    }

    /// Checks that the answer belongs to the login this browser started (once, within 10 minutes), exchanges the
    /// code, stores the tokens encrypted, and starts a session. Every refusal is a friendly 400 page.
    func callback(_ request: Request) async throws -> Response {
        let secure = request.service.settings.secureCookies
        let response: Response
        do {
            response = try await completeLogin(request)
        } catch {
            response = try await ErrorResponder.response(for: error, to: request)
        }
        // The started login is spent, whatever the outcome.
        response.cookies[Self.loginCookie.name] = Self.loginCookie.clearing(secure: secure)
        return response
    }

    private func completeLogin(_ request: Request) async throws -> Response {
        let server = request.service
        let startAgain = "Start again with Log in with Spotify."
        guard let started = Self.loginCookie.value(StartedLogin.self, in: request, box: server.mirror.tokens.box) else {
            throw PlaykeeperError(
                .malformed,
                "This login answer does not belong to a login started in this browser, or the login took longer than "
                    + "10 minutes. \(startAgain)")
        }
        guard let state = request.query[String.self, at: "state"], Secrets.constantTimeEqual(state, started.state) else {
            throw PlaykeeperError(
                .malformed, "This login answer belongs to another login than the one this browser started. \(startAgain)")
        }
        guard started.expiresAt > server.now() else {
            throw PlaykeeperError(.malformed, "This login took longer than 10 minutes and expired. \(startAgain)")
        }
        try await Self.spend(state: state, until: started.expiresAt, request: request)
        if let error = request.query[String.self, at: "error"] {
            let reason =
                error == "access_denied" ? "you declined the permissions Playkeeper asks for" : "Spotify said \"\(error)\""
            throw PlaykeeperError(.malformed, "Spotify did not log you in: \(reason).")
        }
        let pkce = try started.verifier.map { try PKCE(verifier: $0) }
        let flow = LoginFlow(
            configuration: server.api.configuration, transport: server.api.transport, store: server.mirror.tokens)
        let redirect = server.api.configuration.redirectURI.absoluteString + "?" + (request.url.query ?? "")
        let loggedIn: LoginFlow.LoggedIn
        do {
            loggedIn = try await flow.complete(
                redirect: URL(string: redirect)!,
                authorization: .init(url: server.api.configuration.redirectURI, state: state, pkce: pkce), now: server.now())
        } catch SpotifyError.accounts(let status, let error, _) where (400..<500).contains(status) {
            // Spotify refused the code (`invalid_grant`: made up, old, already used, or for another app): the
            // answer was wrong, not Spotify.
            throw PlaykeeperError(
                .malformed, "Spotify did not accept this login answer (\(error ?? "status \(status)")). \(startAgain)")
        }
        let user = try await server.mirror.tokens.recordLogin(loggedIn.user, token: loggedIn.token)
        server.callers.forget(user: try user.requireID())
        request.logger.info("\(user.spotifyID) logged in")

        let response = request.redirect(to: "/", redirectType: .normal)
        try await Self.startSession(for: user, request: request, response: response)
        // The first sync starts at once; a sync already queued is fine.
        _ = try? await server.scheduler.enqueue(user: user, kind: .sync, trigger: "login")
        return response
    }

    /// Marks a login's `state` as answered until it would have expired, so that the same answer is refused the
    /// second time. Only answers that carry this browser's sealed cookie get here, so strangers cannot add rows.
    static func spend(state: String, until expiry: Date, request: Request) async throws {
        let database = request.database
        try await LoginStateRecord.query(on: database).filter(\.$expiresAt < request.service.now()).delete()
        let hash = Secrets.digest(state)
        let record = LoginStateRecord()
        record.stateHash = hash
        record.expiresAt = expiry
        do {
            try await record.create(on: database)
        } catch {
            // The unique index on the hash refused it: the answer was spent before.
            if try await LoginStateRecord.query(on: database).filter(\.$stateHash == hash).count() > 0 {
                throw PlaykeeperError(.malformed, "This login answer was already used. Start again with Log in with Spotify.")
            }
            throw error
        }
    }

    static func startSession(for user: UserRecord, request: Request, response: Response) async throws {
        let server = request.service
        let secret = Secrets.random()
        let session = WebSessionRecord()
        session.tokenHash = Secrets.digest(secret)
        session.$user.id = try user.requireID()
        session.csrfToken = Secrets.random()
        session.createdAt = server.now()
        session.expiresAt = server.now().addingTimeInterval(sessionLifetime)
        try await session.create(on: request.database)
        response.cookies[Secrets.sessionCookie] = HTTPCookies.Value(
            string: secret, expires: session.expiresAt, maxAge: Int(sessionLifetime), path: "/",
            isSecure: server.settings.secureCookies, isHTTPOnly: true, sameSite: .lax)
    }

    func logout(_ request: Request) async throws -> Response {
        if let session = request.caller?.session { try await session.delete(on: request.database) }
        let response = request.redirect(to: "/", redirectType: .normal)
        response.cookies[Secrets.sessionCookie] = HTTPCookies.Value(
            string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0, path: "/",
            isSecure: request.service.settings.secureCookies, isHTTPOnly: true, sameSite: .lax)
        return response
    }
}
