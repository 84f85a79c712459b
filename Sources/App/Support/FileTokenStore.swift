import Foundation
import PlaykeeperJSON
import Library
import SpotifyWebAPI

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Tokens in `tokens.json` in the data directory, mode 0600, until the database store replaces it.
///
/// Refreshes take an exclusive `flock` on `tokens.lock`, so a CLI run and `serve` never refresh one
/// user's PKCE token at once (the refresh token is single-use).
public actor FileTokenStore: TokenStore {
    public let file: URL
    private let lockFile: URL

    public init(directory: DataDirectory) {
        file = directory.file("tokens.json")
        lockFile = directory.file("tokens.lock")
    }

    public func token(for user: String) throws -> SpotifyToken? { try read()[user] }

    public func save(_ token: SpotifyToken, for user: String) throws {
        var tokens = try read()
        tokens[user] = token
        try write(tokens)
    }

    /// Every user with stored credentials.
    public func users() throws -> [String] { try read().keys.sorted() }

    public func remove(user: String) throws {
        var tokens = try read()
        tokens[user] = nil
        try write(tokens)
    }

    public nonisolated func withRefreshLock<T: Sendable>(
        for user: String, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        let descriptor = open(lockFile.path, O_CREAT | O_RDWR, 0o600)
        guard descriptor >= 0 else { throw PlaykeeperError(.failed, "cannot open \(lockFile.path)") }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        defer { flock(descriptor, LOCK_UN) }
        return try await body()
    }

    private func read() throws -> [String: SpotifyToken] {
        guard let data = try? Data(contentsOf: file) else { return [:] }
        var decoder = JSONValueDecoder()
        decoder.dates = .deferredToDate
        do {
            return try decoder.decode([String: SpotifyToken].self, from: data)
        } catch {
            throw PlaykeeperError(.failed, "\(file.path) is damaged; delete it and log in again")
        }
    }

    private func write(_ tokens: [String: SpotifyToken]) throws {
        var encoder = JSONValueEncoder()
        encoder.dates = .deferredToDate
        let data = Data(try encoder.encode(tokens).serialized().utf8)
        // A private file renamed over the old one: never a half-written store.
        let store = try ReplacingFile(replacing: file, permissions: 0o600)
        do {
            try store.write(data)
            try store.commit()
        } catch {
            store.abandon()
            throw error
        }
    }
}
