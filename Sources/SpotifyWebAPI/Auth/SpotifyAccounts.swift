import Foundation
import PlaykeeperJSON

/// The Accounts service: the authorize URL, the code exchange and the refresh.
public struct SpotifyAccounts: Sendable {
    public let configuration: SpotifyConfiguration
    let transport: any SpotifyTransport

    public init(configuration: SpotifyConfiguration, transport: any SpotifyTransport) {
        self.configuration = configuration
        self.transport = transport
    }

    /// What a login needs to remember between the redirect out and the callback.
    public struct Authorization: Sendable {
        public let url: URL
        public let state: String
        /// Present in the PKCE flow; the verifier must be kept for the code exchange.
        public let pkce: PKCE?

        /// An authorization restored from what was kept between the redirect and the callback.
        public init(url: URL, state: String, pkce: PKCE?) {
            self.url = url
            self.state = state
            self.pkce = pkce
        }
    }

    /// Builds the authorize URL with a fresh `state` and, without a client secret, a PKCE S256 challenge.
    public func authorization(state: String = PKCE.randomString(length: 32), pkce: PKCE? = nil) -> Authorization {
        let pkce = configuration.usesPKCE ? (pkce ?? PKCE.generate()) : nil
        var components = URLComponents(
            url: configuration.accountsURL.appendingPathComponent("authorize"), resolvingAgainstBaseURL: false)!
        var query = [
            URLQueryItem(name: "client_id", value: configuration.clientID),
            URLQueryItem(name: "response_type", value: "code"),
            URLQueryItem(name: "redirect_uri", value: configuration.redirectURI.absoluteString),
            URLQueryItem(name: "state", value: state),
            URLQueryItem(name: "scope", value: configuration.scopes.joined(separator: " ")),
        ]
        if let pkce {
            query.append(URLQueryItem(name: "code_challenge_method", value: "S256"))
            query.append(URLQueryItem(name: "code_challenge", value: pkce.challenge))
        }
        components.queryItems = query
        return Authorization(url: components.url!, state: state, pkce: pkce)
    }

    /// Spotify refused an authorize address before anyone could log in: the redirect URI is not registered for
    /// the app, or the client id is unknown. Its description says what to change.
    public struct AuthorizationRefused: Error, CustomStringConvertible, Sendable {
        public let redirectURI: String
        public let clientID: String
        /// Spotify's words (`INVALID_CLIENT: Invalid redirect URI`).
        public let answer: String

        public var description: String {
            if answer.contains("redirect URI") {
                return "Spotify refuses the redirect URI \(redirectURI): it is not registered for your app. Add "
                    + "\(redirectURI) exactly as it is under Redirect URIs in the app's settings on the Spotify "
                    + "dashboard, or set SPOTIFY_REDIRECT_URI to an address that is registered there."
            }
            return "Spotify does not know the client id \(clientID) (\(answer)): check SPOTIFY_CLIENT_ID against the "
                + "app's settings on the Spotify dashboard."
        }
    }

    /// Opens the authorize address without following its redirect, as a browser would before the person logs in,
    /// and throws `AuthorizationRefused` if Spotify refuses it (an error page, `INVALID_CLIENT: …`). Anything else
    /// (the login page, a redirect, no answer at all) lets the login go on: the browser will say what happens next.
    public func check(_ authorization: Authorization) async throws {
        let request = SpotifyHTTPRequest(method: "GET", url: authorization.url, followsRedirects: false)
        guard let response = try? await transport.send(request), response.status == 400 else { return }
        let page = String(decoding: response.body.prefix(4_096), as: UTF8.self)
        guard let range = page.range(of: "INVALID_CLIENT: [A-Za-z ]+", options: .regularExpression) else { return }
        throw AuthorizationRefused(
            redirectURI: configuration.redirectURI.absoluteString, clientID: configuration.clientID,
            answer: String(page[range]))
    }

    /// Exchanges an authorization code for tokens.
    public func exchange(code: String, codeVerifier: String?) async throws -> TokenResponse {
        var form = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", configuration.redirectURI.absoluteString),
        ]
        if configuration.usesPKCE {
            guard let codeVerifier else {
                throw ConfigurationError.missing("code_verifier (PKCE login without a verifier)")
            }
            form.append(("code_verifier", codeVerifier))
        }
        return try await tokenRequest(form)
    }

    /// Exchanges a refresh token for a new access token (and, with PKCE, a new refresh token).
    public func refresh(refreshToken: String) async throws -> TokenResponse {
        try await tokenRequest([("grant_type", "refresh_token"), ("refresh_token", refreshToken)])
    }

    private func tokenRequest(_ form: [(String, String)]) async throws -> TokenResponse {
        var form = form
        var headers: [(name: String, value: String)] = [("Content-Type", "application/x-www-form-urlencoded")]
        if let secret = configuration.clientSecret {
            let credentials = Data("\(configuration.clientID):\(secret)".utf8).base64EncodedString()
            headers.append(("Authorization", "Basic \(credentials)"))
        } else {
            form.append(("client_id", configuration.clientID))
        }
        let request = SpotifyHTTPRequest(
            method: "POST",
            url: configuration.accountsURL.appendingPathComponent("api/token"),
            headers: headers,
            body: Data(FormEncoding.encode(form).utf8)
        )
        let response: SpotifyHTTPResponse
        do {
            response = try await transport.send(request)
        } catch let failure as TransportFailure {
            throw SpotifyError.transport(endpoint: "POST /api/token", detail: "\(failure)")
        }
        let json = try? JSONValue(parsing: response.body)
        guard (200..<300).contains(response.status) else {
            throw SpotifyError.accounts(
                status: response.status,
                error: json?["error"]?.stringValue,
                description: json?["error_description"]?.stringValue
            )
        }
        guard let json else {
            throw SpotifyError.decoding(endpoint: "POST /api/token", detail: "the answer is not JSON")
        }
        return try TokenResponse(json: json)
    }
}

enum FormEncoding {
    static let allowed: CharacterSet = {
        var set = CharacterSet.alphanumerics
        set.insert(charactersIn: "-._~")
        return set
    }()

    static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { name, value in
            "\(name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name)="
                + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)
        }.joined(separator: "&")
    }
}
