import Foundation
import Logging

/// Everything one Spotify app shares across its users: configuration, transport, the request budget and
/// the token manager. Make one per process, and a `SpotifyClient` per user from it.
public struct SpotifyAPI: Sendable {
    public let configuration: SpotifyConfiguration
    public let transport: any SpotifyTransport
    public let budget: RequestBudget
    public let tokens: TokenManager
    public let accounts: SpotifyAccounts
    public let retryPolicy: RetryPolicy
    public let clock: any WallClock
    public let logger: Logger
    /// Called after every Web API response, for metrics.
    public let observer: (any SpotifyCallObserver)?

    public init(
        configuration: SpotifyConfiguration,
        tokenStore: any TokenStore,
        transport: any SpotifyTransport = AsyncHTTPClientTransport(),
        budget: RequestBudget? = nil,
        retryPolicy: RetryPolicy = .default,
        clock: any WallClock = SystemClock(),
        logger: Logger = Logger(label: "playkeeper.spotify"),
        observer: (any SpotifyCallObserver)? = nil
    ) {
        self.configuration = configuration
        self.transport = transport
        self.clock = clock
        self.budget = budget ?? RequestBudget(clock: clock)
        self.retryPolicy = retryPolicy
        self.logger = logger
        self.observer = observer
        self.accounts = SpotifyAccounts(configuration: configuration, transport: transport)
        self.tokens = TokenManager(accounts: accounts, store: tokenStore, clock: clock, logger: logger)
    }

    /// A client acting as `user`, the key its tokens are stored under.
    public func client(for user: String) -> SpotifyClient {
        SpotifyClient(api: self, user: user)
    }
}

/// Receives one call per Web API response (and per 429 wait), for metrics.
public protocol SpotifyCallObserver: Sendable {
    /// A response arrived: `endpoint` is a template like `GET /v1/playlists/{id}/items`.
    func record(endpoint: String, status: Int, seconds: Double)
    /// A 429 made callers wait this long.
    func recordRateLimitWait(endpoint: String, seconds: Double)
}
