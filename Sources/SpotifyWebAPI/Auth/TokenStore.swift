import Foundation

/// Where user credentials live. Later modules store them encrypted in the database.
public protocol TokenStore: Sendable {
    /// The user's current credentials, or `nil` when they never logged in.
    func token(for user: String) async throws -> SpotifyToken?
    /// Stores new credentials. A rotated refresh token is saved here before its access token is used.
    func save(_ token: SpotifyToken, for user: String) async throws
    /// Runs `body` while no other refresh of this user's token runs, in this process or (for stores that
    /// support it) any other process sharing the store.
    func withRefreshLock<T: Sendable>(for user: String, _ body: @Sendable () async throws -> T) async throws -> T
}

/// Credentials in memory, for tests and one-shot tools.
public actor InMemoryTokenStore: TokenStore {
    private var tokens: [String: SpotifyToken]

    public init(_ tokens: [String: SpotifyToken] = [:]) { self.tokens = tokens }

    public func token(for user: String) -> SpotifyToken? { tokens[user] }

    public func save(_ token: SpotifyToken, for user: String) { tokens[user] = token }

    public nonisolated func withRefreshLock<T: Sendable>(
        for user: String, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        // In one process the TokenManager's single flight already serializes refreshes.
        try await body()
    }
}
