import Foundation
import Library
import SpotifyWebAPI

/// The login as a sequence of steps that the CLI, the web page and tests share:
/// build the authorize URL, then turn the redirect Spotify sent back into stored credentials.
public struct LoginFlow: Sendable {
    public let configuration: SpotifyConfiguration
    public let transport: any SpotifyTransport
    public let store: any TokenStore

    public init(configuration: SpotifyConfiguration, transport: any SpotifyTransport, store: any TokenStore) {
        self.configuration = configuration
        self.transport = transport
        self.store = store
    }

    /// `/me` answered 403: the account is not on the app's allow-list.
    public struct NotAllowListed: Error, CustomStringConvertible {
        public var description: String {
            "Spotify refused this account: it is not on your app's allow-list. A Development Mode app serves "
                + "only the users added under User Management in the Spotify dashboard (at most 5). Add the "
                + "account there, then log in again."
        }
    }

    public struct LoggedIn: Sendable {
        public let user: CurrentUser
        public let userID: String
        public let token: SpotifyToken
    }

    public func start() -> SpotifyAccounts.Authorization {
        SpotifyAccounts(configuration: configuration, transport: transport).authorization()
    }

    /// Whether Spotify takes the authorize address: a redirect URI not registered for the app, or an unknown client
    /// id, is refused there with an error page the person would meet in the browser; this says what to register.
    public func check(_ authorization: SpotifyAccounts.Authorization) async throws {
        try await SpotifyAccounts(configuration: configuration, transport: transport).check(authorization)
    }

    /// Checks the redirect, exchanges the code, asks `/me` who logged in, and stores the tokens under that id.
    public func complete(redirect: URL, authorization: SpotifyAccounts.Authorization, now: Date = Date()) async throws -> LoggedIn
    {
        let query = Dictionary(
            (URLComponents(url: redirect, resolvingAgainstBaseURL: false)?.queryItems ?? []).map { ($0.name, $0.value ?? "") },
            uniquingKeysWith: { _, last in last })
        guard query["state"] == authorization.state else {
            throw PlaykeeperError(.failed, "the login answer does not belong to this login (state mismatch); start again")
        }
        if let error = query["error"] {
            let reason = error == "access_denied" ? "you declined the permissions Playkeeper asked for" : error
            throw PlaykeeperError(.failed, "Spotify did not log you in: \(reason)")
        }
        guard let code = query["code"], !code.isEmpty else {
            throw PlaykeeperError(.failed, "the address has no authorization code; paste the whole address you were sent to")
        }
        let accounts = SpotifyAccounts(configuration: configuration, transport: transport)
        let response = try await accounts.exchange(code: code, codeVerifier: authorization.pkce?.verifier)
        guard let refreshToken = response.refreshToken else {
            throw PlaykeeperError(.failed, "Spotify's answer had no refresh token")
        }
        let token = SpotifyToken(
            accessToken: response.accessToken, refreshToken: refreshToken,
            expiresAt: now.addingTimeInterval(Double(response.expiresIn)), scope: response.scope, authorizedAt: now)

        // Ask who this is with the fresh token alone, before anything is stored.
        let probe = SpotifyAPI(
            configuration: configuration, tokenStore: InMemoryTokenStore(["login": token]), transport: transport)
        let user: CurrentUser
        do {
            user = try await probe.client(for: "login").currentUser()
        } catch let error as SpotifyError where error.isForbidden {
            throw NotAllowListed()
        }
        guard let userID = user.id else { throw PlaykeeperError(.failed, "Spotify's /me answer has no user id") }
        // /me may have refreshed nothing, but read back whatever the probe holds to be safe.
        let stored = try await probe.tokens.store.token(for: "login") ?? token
        try await store.save(stored, for: userID)
        return LoggedIn(user: user, userID: userID, token: stored)
    }
}
