import Crypto
import Foundation
import PlaykeeperJSON

/// A failure of the Accounts service, answered as `{"error", "error_description"}`.
struct AccountsFailure: Error {
    let status: Int
    let error: String
    let description: String
}

struct AuthorizationCode: Sendable {
    let clientID: String
    let user: String
    let redirectURI: String
    let scopes: Set<String>
    let challenge: String?
    let expiresAt: Date
}

struct AccessGrant: Sendable {
    /// `nil` for a client-credentials token, which acts for no user.
    let user: String?
    let clientID: String
    let scopes: Set<String>
    var expiresAt: Date
}

struct RefreshGrant: Sendable {
    let user: String
    let clientID: String
    let scopes: Set<String>
    let authorizedAt: Date
    /// PKCE refresh tokens rotate on every use; the old one stops working.
    let rotates: Bool
}

/// The scopes Spotify knows; anything else in `/authorize` is `invalid_scope`.
let knownScopes: Set<String> = [
    "playlist-read-private", "playlist-read-collaborative", "playlist-modify-public", "playlist-modify-private",
    "user-library-read", "user-library-modify", "user-read-private", "user-read-email",
    "user-read-recently-played", "user-top-read", "user-follow-read", "user-follow-modify",
    "user-read-playback-state", "user-modify-playback-state", "user-read-currently-playing",
    "ugc-image-upload", "streaming", "app-remote-control", "user-read-playback-position",
]

extension EmulatorState {
    public enum AuthorizeOutcome: Sendable {
        /// Send the browser here (success or an OAuth error addressed to the client).
        case redirect(String)
        /// The client or redirect URI is wrong: Spotify shows an error page and does not redirect.
        case errorPage(String)
    }

    public func setApprover(user: String?, deny: Bool) throws {
        if let user, users[user] == nil { throw EmulatorError.notFound("no user '\(user)' in the library") }
        approver = user
        denyConsent = deny
    }

    /// `GET /authorize`: validates the client and redirect URI, then approves (or denies) at once.
    public func authorize(query: [String: String]) -> AuthorizeOutcome {
        guard let clientID = query["client_id"], let app = apps[clientID] else {
            return .errorPage("INVALID_CLIENT: Invalid client")
        }
        guard let redirectURI = query["redirect_uri"], Self.accepts(redirectURI, for: app) else {
            return .errorPage("INVALID_CLIENT: Invalid redirect URI")
        }
        let state = query["state"]
        func redirect(_ pairs: [(String, String?)]) -> AuthorizeOutcome {
            var components = URLComponents(string: redirectURI)!
            var items = components.queryItems ?? []
            for (name, value) in pairs where value != nil { items.append(URLQueryItem(name: name, value: value)) }
            components.queryItems = items
            return .redirect(components.url!.absoluteString)
        }
        guard query["response_type"] == "code" else {
            return redirect([("error", "unsupported_response_type"), ("state", state)])
        }
        let scopes = Set((query["scope"] ?? "").split(whereSeparator: { $0 == " " || $0 == "+" }).map(String.init))
        guard scopes.isSubset(of: knownScopes) else { return redirect([("error", "invalid_scope"), ("state", state)]) }
        let challenge = query["code_challenge"]
        if challenge != nil, query["code_challenge_method"] != "S256" {
            return redirect([("error", "invalid_request"), ("error_description", "code_challenge_method"), ("state", state)])
        }
        if denyConsent { return redirect([("error", "access_denied"), ("state", state)]) }
        guard let user = approver ?? userOrder.first else {
            return .errorPage("The emulator's library has no users to log in as")
        }
        let code = "AQ" + randomToken(length: 96)
        codes[code] = AuthorizationCode(
            clientID: clientID, user: user, redirectURI: redirectURI, scopes: scopes, challenge: challenge,
            expiresAt: now.addingTimeInterval(600))
        return redirect([("code", code), ("state", state)])
    }

    static func accepts(_ redirectURI: String, for app: RegisteredApp) -> Bool {
        app.redirectURIs.contains { RedirectURIs.matches(redirectURI, registered: $0) }
    }

    /// Registers the app's redirect URIs (the admin API, `playkeeper emulator --redirect-uri`), each one checked
    /// as the Spotify dashboard checks it.
    public func setRedirectURIs(clientID: String, _ uris: [String]) throws {
        guard apps[clientID] != nil else { throw EmulatorError.notFound("no app with client id '\(clientID)'") }
        for uri in uris {
            if let problem = RedirectURIs.problem(uri) { throw EmulatorError.badRequest("\(uri): \(problem)") }
        }
        apps[clientID]!.redirectURIs = uris
    }

    /// The registered apps, for the admin API.
    public func registeredApps() -> [RegisteredApp] { apps.values.sorted { $0.clientID < $1.clientID } }

    /// `POST /api/token`. `basic` is the decoded `Authorization: Basic` pair, if any.
    public func token(form: [String: String], basic: (id: String, secret: String)?) throws -> JSONObject {
        let clientID: String
        let confidential: Bool
        if let basic {
            guard let app = apps[basic.id] else {
                throw AccountsFailure(status: 400, error: "invalid_client", description: "Invalid client")
            }
            guard app.clientSecret == basic.secret else {
                throw AccountsFailure(status: 400, error: "invalid_client", description: "Invalid client secret")
            }
            clientID = basic.id
            confidential = true
        } else if let id = form["client_id"] {
            guard apps[id] != nil else {
                throw AccountsFailure(status: 400, error: "invalid_client", description: "Invalid client")
            }
            clientID = id
            confidential = false
        } else {
            throw AccountsFailure(status: 400, error: "invalid_client", description: "Invalid client")
        }

        switch form["grant_type"] {
        case "authorization_code":
            guard let code = form["code"], let grant = codes.removeValue(forKey: code), grant.clientID == clientID,
                grant.expiresAt > now
            else { throw AccountsFailure(status: 400, error: "invalid_grant", description: "Invalid authorization code") }
            guard form["redirect_uri"] == grant.redirectURI else {
                throw AccountsFailure(status: 400, error: "invalid_grant", description: "Invalid redirect URI")
            }
            if let challenge = grant.challenge {
                guard let verifier = form["code_verifier"], (43...128).contains(verifier.count) else {
                    throw AccountsFailure(status: 400, error: "invalid_request", description: "code_verifier required")
                }
                guard Self.s256(verifier) == challenge else {
                    throw AccountsFailure(status: 400, error: "invalid_grant", description: "code_verifier was incorrect")
                }
            } else if !confidential {
                // A public client must prove itself with PKCE.
                throw AccountsFailure(status: 400, error: "invalid_client", description: "Invalid client secret")
            }
            let refresh = "AQ" + randomToken(length: 120)
            refreshTokens[refresh] = RefreshGrant(
                user: grant.user, clientID: clientID, scopes: grant.scopes, authorizedAt: now, rotates: !confidential)
            var answer = issueAccessToken(user: grant.user, clientID: clientID, scopes: grant.scopes)
            answer["refresh_token"] = .string(refresh)
            return answer

        case "refresh_token":
            guard let token = form["refresh_token"], let grant = refreshTokens[token], grant.clientID == clientID else {
                throw AccountsFailure(status: 400, error: "invalid_grant", description: "Invalid refresh token")
            }
            guard grant.authorizedAt.addingTimeInterval(Double(knobs.refreshTokenLifetime)) > now else {
                refreshTokens[token] = nil
                throw AccountsFailure(status: 400, error: "invalid_grant", description: "Refresh token revoked")
            }
            guard grant.rotates != confidential else {
                throw AccountsFailure(status: 400, error: "invalid_client", description: "Invalid client")
            }
            var answer = issueAccessToken(user: grant.user, clientID: clientID, scopes: grant.scopes)
            if grant.rotates {
                refreshTokens[token] = nil
                let rotated = "AQ" + randomToken(length: 120)
                refreshTokens[rotated] = grant
                answer["refresh_token"] = .string(rotated)
            }
            return answer

        case "client_credentials":
            guard confidential else {
                throw AccountsFailure(status: 400, error: "invalid_client", description: "Invalid client")
            }
            return issueAccessToken(user: nil, clientID: clientID, scopes: [])

        case let other:
            throw AccountsFailure(
                status: 400, error: "unsupported_grant_type",
                description: "grant_type parameter is \(other == nil ? "missing" : "invalid")")
        }
    }

    private func issueAccessToken(user: String?, clientID: String, scopes: Set<String>) -> JSONObject {
        let token = "BQ" + randomToken(length: 100)
        accessTokens[token] = AccessGrant(
            user: user, clientID: clientID, scopes: scopes,
            expiresAt: now.addingTimeInterval(Double(knobs.accessTokenLifetime)))
        return [
            "access_token": .string(token), "token_type": "Bearer",
            "scope": .string(scopes.sorted().joined(separator: " ")), "expires_in": JSONValue(knobs.accessTokenLifetime),
        ]
    }

    /// The grant behind a Bearer header, if it is known and unexpired.
    func grant(forBearer header: String?) -> AccessGrant? {
        guard let header, header.hasPrefix("Bearer ") else { return nil }
        guard let grant = accessTokens[String(header.dropFirst(7))], grant.expiresAt > now else { return nil }
        return grant
    }

    /// Every access and refresh token issued and still known, so that tests can look for them where they must
    /// not be (a log, say).
    public func issuedTokens() -> [String] { Array(accessTokens.keys) + Array(refreshTokens.keys) }

    /// Expires every access token now (refresh tokens stay valid).
    public func expireAccessTokens() {
        for key in accessTokens.keys { accessTokens[key]?.expiresAt = now.addingTimeInterval(-1) }
    }

    /// Revokes the refresh tokens (and access tokens) of one user, or of everyone.
    public func revokeTokens(user: String?) {
        refreshTokens = refreshTokens.filter { user != nil && $0.value.user != user }
        accessTokens = accessTokens.filter { user != nil && $0.value.user != user }
    }

    static func s256(_ verifier: String) -> String {
        Data(SHA256.hash(data: Data(verifier.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    func randomToken(length: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] })
    }
}
