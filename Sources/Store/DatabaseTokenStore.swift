import FluentKit
import SQLKit
import Foundation
import SpotifyWebAPI

/// Tokens in the database, encrypted with AES-GCM; keyed by the Spotify user id.
///
/// The refresh lock is a database lock, so a CLI run and `serve` never refresh one user's token at once:
/// a PKCE refresh token is single-use, and two refreshes would log the person out.
public struct DatabaseTokenStore: TokenStore {
    public let database: any Database
    public let box: SecretBox

    public init(database: any Database, box: SecretBox) {
        self.database = database
        self.box = box
    }

    public func user(_ spotifyID: String) async throws -> UserRecord? {
        try await UserRecord.query(on: database).filter(\.$spotifyID == spotifyID).first()
    }

    public func token(for user: String) async throws -> SpotifyToken? {
        guard let record = try await self.user(user), let id = record.id,
            let credential = try await CredentialRecord.query(on: database).filter(\.$user.$id == id).first()
        else { return nil }
        do {
            return SpotifyToken(
                accessToken: try box.open(credential.sealedAccessToken),
                refreshToken: try box.open(credential.sealedRefreshToken),
                expiresAt: credential.expiresAt, scope: credential.scope, authorizedAt: credential.authorizedAt)
        } catch {
            throw StoreError.undecryptable(user: user)
        }
    }

    public func save(_ token: SpotifyToken, for user: String) async throws {
        let record = try await self.user(user) ?? UserRecord(spotifyID: user, authorizedAt: token.authorizedAt)
        if record.id == nil { try await record.create(on: database) }
        let userID = try record.requireID()
        let credential =
            try await CredentialRecord.query(on: database).filter(\.$user.$id == userID).first() ?? CredentialRecord()
        credential.$user.id = userID
        credential.sealedAccessToken = try box.seal(token.accessToken)
        credential.sealedRefreshToken = try box.seal(token.refreshToken)
        credential.expiresAt = token.expiresAt
        credential.scope = token.scope
        credential.authorizedAt = token.authorizedAt
        try await credential.save(on: database)
    }

    public func withRefreshLock<T: Sendable>(for user: String, _ body: @Sendable () async throws -> T) async throws -> T {
        try await DatabaseLock.withLock("refresh:\(user)", on: database, ttl: 60, wait: 90, body)
    }

    /// Stores a fresh login: the user's profile and tokens, and clears "needs login".
    @discardableResult
    public func recordLogin(_ profile: CurrentUser, token: SpotifyToken) async throws -> UserRecord {
        guard let spotifyID = profile.id else { throw StoreError.notFound("the Spotify user id") }
        // Keyed by account_id when Spotify sends one (stable since May 2026), else by the user id.
        var record = try await self.user(spotifyID)
        if record == nil, let accountID = profile.accountID {
            record = try await UserRecord.query(on: database).filter(\.$accountID == accountID).first()
        }
        let user = record ?? UserRecord(spotifyID: spotifyID)
        user.spotifyID = spotifyID
        user.accountID = profile.accountID ?? user.accountID
        user.displayName = StoredText.storable(profile.displayName) ?? user.displayName
        user.authorizedAt = token.authorizedAt
        user.needsLogin = false
        try await user.save(on: database)
        try await save(token, for: spotifyID)
        return user
    }

    /// Marks the user "needs login" (their refresh token was refused after a re-check).
    public func markNeedsLogin(_ user: String) async throws {
        guard let record = try await self.user(user) else { return }
        record.needsLogin = true
        try await record.save(on: database)
    }

    /// Every user, in login order.
    public func users() async throws -> [UserRecord] {
        try await UserRecord.query(on: database).sort(\.$createdAt).all()
    }
}
