import FluentKit
import Foundation
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

    /// Redirects to Spotify's authorize page, with a single-use `state` and (without a secret) PKCE.
    func login(_ request: Request) async throws -> Response {
        let server = request.service
        let authorization = server.api.accounts.authorization()
        let record = LoginStateRecord()
        record.stateHash = Secrets.digest(authorization.state)
        record.sealedVerifier = try authorization.pkce.map { try server.mirror.tokens.box.seal($0.verifier) }
        record.expiresAt = server.now().addingTimeInterval(Self.stateLifetime)
        try await record.create(on: request.database)
        // Forget logins that were never finished.
        try await LoginStateRecord.query(on: request.database).filter(\.$expiresAt < server.now()).delete()
        return request.redirect(to: authorization.url.absoluteString, redirectType: .normal)
    }

    /// Checks the state (once), exchanges the code, stores the tokens encrypted, and starts a session.
    func callback(_ request: Request) async throws -> Response {
        let server = request.service
        guard let state = request.query[String.self, at: "state"], !state.isEmpty,
            let record = try await LoginStateRecord.query(on: request.database).filter(\.$stateHash == Secrets.digest(state))
                .first()
        else {
            throw APIError(
                .badRequest, "This login answer does not belong to a login started here, or it was already used. Start again.")
        }
        try await record.delete(on: request.database)
        guard record.expiresAt > server.now() else {
            throw APIError(.badRequest, "This login took longer than 10 minutes and expired. Start again.")
        }
        if let error = request.query[String.self, at: "error"] {
            let reason =
                error == "access_denied" ? "you declined the permissions Playkeeper asks for" : "Spotify said \"\(error)\""
            throw APIError(.badRequest, "Spotify did not log you in: \(reason).")
        }
        let pkce = try record.sealedVerifier.map { try PKCE(verifier: try server.mirror.tokens.box.open($0)) }
        let flow = LoginFlow(
            configuration: server.api.configuration, transport: server.api.transport, store: server.mirror.tokens)
        let redirect = server.api.configuration.redirectURI.absoluteString + "?" + (request.url.query ?? "")
        let loggedIn = try await flow.complete(
            redirect: URL(string: redirect)!,
            authorization: .init(url: server.api.configuration.redirectURI, state: state, pkce: pkce), now: server.now())
        let user = try await server.mirror.tokens.recordLogin(loggedIn.user, token: loggedIn.token)
        await server.callers.forget(user: try user.requireID())
        request.logger.info("\(user.spotifyID) logged in")

        let response = request.redirect(to: "/", redirectType: .normal)
        try await Self.startSession(for: user, request: request, response: response)
        // The first sync starts at once; a sync already queued is fine.
        _ = try? await server.scheduler.enqueue(user: user, kind: "sync", trigger: "login")
        return response
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
