import Foundation
import Logging

/// Hands out valid access tokens, refreshing them before they expire.
///
/// Refresh is single-flight per user: a PKCE refresh token is single-use, so two refreshes at once would
/// log the person out. The store's refresh lock extends that across processes, and the token is re-read
/// once the lock is held, in case another process refreshed meanwhile.
public actor TokenManager {
    public let accounts: SpotifyAccounts
    public let store: any TokenStore
    /// Refresh this long before expiry.
    public let leeway: Double
    private let clock: any WallClock
    private let logger: Logger
    private var inFlight: [String: Task<SpotifyToken, any Error>] = [:]
    /// Tokens as last read or refreshed, kept for `cacheLifetime`: a sync makes thousands of requests, and reading
    /// and decrypting the stored token for each cost more than the request itself (and waited for the store's
    /// writer). A token another process refreshed is seen within that time; one Spotify refuses is refreshed at
    /// once (`accessTokenAfterRejection`).
    private var cached: [String: (token: SpotifyToken, readAt: Date)] = [:]
    static let cacheLifetime: Double = 60

    public init(
        accounts: SpotifyAccounts,
        store: any TokenStore,
        leeway: Double = 300,
        clock: any WallClock = SystemClock(),
        logger: Logger = Logger(label: "playkeeper.spotify.tokens")
    ) {
        self.accounts = accounts
        self.store = store
        self.leeway = leeway
        self.clock = clock
        self.logger = logger
    }

    /// A usable access token for `user`, refreshed first if it expires within the leeway.
    public func accessToken(for user: String) async throws -> String {
        let token: SpotifyToken
        if let entry = cached[user], clock.now.timeIntervalSince(entry.readAt) < Self.cacheLifetime {
            token = entry.token
        } else {
            guard let stored = try await store.token(for: user) else {
                cached[user] = nil
                throw SpotifyError.notLoggedIn(user: user)
            }
            cached[user] = (stored, clock.now)
            token = stored
        }
        if isFresh(token) { return token.accessToken }
        return try await refresh(user: user, rejected: nil).accessToken
    }

    /// Refreshes after Spotify refused `rejectedAccessToken` with a 401, unless another caller already did.
    public func accessTokenAfterRejection(of rejectedAccessToken: String, for user: String) async throws -> String {
        try await refresh(user: user, rejected: rejectedAccessToken).accessToken
    }

    /// Refreshes now when the token expires within `seconds`: the scheduler's hourly renewal.
    @discardableResult
    public func refreshIfExpiring(for user: String, within seconds: Double) async throws -> SpotifyToken {
        guard let token = try await store.token(for: user) else { throw SpotifyError.notLoggedIn(user: user) }
        cached[user] = (token, clock.now)
        if token.expiresAt.timeIntervalSince(clock.now) > seconds { return token }
        return try await refresh(user: user, rejected: token.accessToken)
    }

    private func isFresh(_ token: SpotifyToken) -> Bool {
        token.expiresAt.timeIntervalSince(clock.now) > leeway
    }

    private func refresh(user: String, rejected: String?) async throws -> SpotifyToken {
        if let running = inFlight[user] { return try await running.value }
        let task = Task { [store, accounts, clock, logger, leeway] () throws -> SpotifyToken in
            try await store.withRefreshLock(for: user) {
                guard let current = try await store.token(for: user) else { throw SpotifyError.notLoggedIn(user: user) }
                // Another process (or an earlier flight) may have refreshed while we waited for the lock.
                let stillValid = current.expiresAt.timeIntervalSince(clock.now) > leeway
                if let rejected, current.accessToken != rejected, stillValid { return current }
                if rejected == nil, stillValid { return current }
                let response: TokenResponse
                do {
                    response = try await accounts.refresh(refreshToken: current.refreshToken)
                } catch SpotifyError.accounts(let status, let error, let description) where error == "invalid_grant" {
                    logger.warning("refresh token refused", metadata: ["user": "\(user)", "status": "\(status)"])
                    throw SpotifyError.reauthorizationRequired(user: user, detail: description)
                }
                let renewed = SpotifyToken(
                    accessToken: response.accessToken,
                    // A confidential refresh usually returns no refresh token: keep the old one.
                    refreshToken: response.refreshToken ?? current.refreshToken,
                    expiresAt: clock.now.addingTimeInterval(Double(response.expiresIn)),
                    scope: response.scope ?? current.scope,
                    authorizedAt: current.authorizedAt
                )
                // Save before anyone uses the new access token: a rotated PKCE refresh token is the only one left.
                try await store.save(renewed, for: user)
                logger.debug(
                    "access token refreshed", metadata: ["user": "\(user)", "rotated": "\(response.refreshToken != nil)"])
                return renewed
            }
        }
        inFlight[user] = task
        defer { inFlight[user] = nil }
        do {
            let renewed = try await task.value
            cached[user] = (renewed, clock.now)
            return renewed
        } catch {
            cached[user] = nil
            throw error
        }
    }
}
