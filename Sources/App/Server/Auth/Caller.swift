import Crypto
import FluentKit
import Foundation
import Library
import SpotifyWebAPI
import Store
import Vapor

/// Who is calling: a person signed in with a session cookie, or a script with a personal API token.
struct Caller: Sendable {
    let user: UserRecord
    /// Set for cookie sessions: state-changing requests must carry its CSRF token.
    let session: WebSessionRecord?

    var userID: UUID { user.id! }
}

struct CallerKey: StorageKey {
    typealias Value = Caller
}

extension Request {
    var caller: Caller? {
        get { storage[CallerKey.self] }
        set { storage[CallerKey.self] = newValue }
    }

    /// The caller, or a 401.
    func requireCaller() throws -> Caller {
        guard let caller else {
            throw PlaykeeperError(.needsLogin, "log in, or send a personal API token as 'Authorization: Bearer TOKEN'")
        }
        return caller
    }
}

/// Opaque secrets (session cookies, API tokens, login states) and their stored digests.
enum Secrets {
    static let sessionCookie = "playkeeper_session"
    static let tokenPrefix = "pk_"

    /// 32 random bytes, base64url.
    static func random() -> String {
        Base64URL.encode(Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }))
    }

    static func digest(_ secret: String) -> String {
        Hex.string(SHA256.hash(data: Data(secret.utf8)))
    }

    /// Compares two secrets in time that depends on their lengths only.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Finds the caller from `Authorization: Bearer` or the session cookie. Rejects nothing: routes decide.
///
/// A token seen in the last few seconds is found in `CallerCache` on the event loop, and the request goes on
/// without a task of its own (an `AsyncMiddleware` starts one per request, and hops back); anything else is
/// looked up in the store.
struct CallerMiddleware: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let now = request.service.now()
        let hash = request.headers.bearerAuthorization.map { Secrets.digest($0.token) }
        if let hash, let user = request.service.callers.user(forTokenHash: hash, now: now) {
            request.caller = Caller(user: user, session: nil)
            return next.respond(to: request)
        }
        guard hash != nil || request.cookies[Secrets.sessionCookie] != nil else { return next.respond(to: request) }
        return request.eventLoop.makeFutureWithTask {
            request.caller = try await Self.find(request, tokenHash: hash, now: now)
        }.flatMap { next.respond(to: request) }
    }

    /// The caller a token (by its digest) or the session cookie names, from the store.
    private static func find(_ request: Request, tokenHash hash: String?, now: Date) async throws -> Caller? {
        let database = request.database
        if let hash {
            guard
                let token = try await APITokenRecord.query(on: database).filter(\.$tokenHash == hash).first(),
                let user = try await UserRecord.find(token.$user.id, on: database)
            else { throw PlaykeeperError(.needsLogin, "this API token is unknown or was revoked") }
            if (token.lastUsedAt.map { now.timeIntervalSince($0) > 60 }) ?? true {
                token.lastUsedAt = now
                try await token.save(on: database)
            }
            request.service.callers.remember(user, tokenID: try token.requireID(), hash: hash, now: now)
            return Caller(user: user, session: nil)
        }
        guard let cookie = request.cookies[Secrets.sessionCookie]?.string, !cookie.isEmpty,
            let session = try await WebSessionRecord.query(on: database).filter(\.$tokenHash == Secrets.digest(cookie))
                .first(),
            session.expiresAt > now,
            let user = try await UserRecord.find(session.$user.id, on: database)
        else { return nil }
        return Caller(user: user, session: session)
    }
}

/// Every state-changing request authenticated by cookie must carry the session's CSRF token, in the
/// `X-CSRF-Token` header (scripts, fetch) or the `csrf` form field (the pages' forms). Bearer requests need none.
struct CSRFMiddleware: Middleware {
    /// The routes that take a multipart form (an upload), and the most they read: a form's `csrf` field comes with
    /// the file, so the body is read here (up to the route's own limit) before the field can be checked.
    static let uploads: [String: ByteCount] = [
        "/listening/import": HistoryRoutes.uploadLimit, "/api/v1/plays/import": HistoryRoutes.uploadLimit,
    ]

    /// Reads and token-authenticated requests go straight on; a session's write is checked in a task of its own.
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        guard ![.GET, .HEAD, .OPTIONS].contains(request.method), let session = request.caller?.session else {
            return next.respond(to: request)
        }
        return request.eventLoop.makeFutureWithTask { try await Self.check(request, session: session) }
            .flatMap { next.respond(to: request) }
    }

    private static func check(_ request: Request, session: WebSessionRecord) async throws {
        var presented = request.headers.first(name: "X-CSRF-Token")
        if presented == nil, request.headers.contentType == .urlEncodedForm {
            presented = try? request.content.get(String.self, at: "csrf")
        }
        if presented == nil, request.headers.contentType?.type == "multipart",
            let limit = uploads[request.url.path]
        {
            _ = try await request.body.collect(max: limit.value).get()
            presented = try? request.content.get(String.self, at: "csrf")
        }
        guard let presented, Secrets.constantTimeEqual(presented, session.csrfToken) else {
            throw PlaykeeperError(.forbidden, "this request lacks the page's CSRF token; reload the page and try again")
        }
    }
}
