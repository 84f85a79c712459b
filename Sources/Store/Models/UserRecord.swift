import FluentKit
import Foundation

/// A person who logged in with Spotify.
public final class UserRecord: Model, @unchecked Sendable {
    public static let schema = "users"

    @ID(key: .id) public var id: UUID?
    /// Spotify's user id: the key tokens, commands and `--user` use.
    @Field(key: "spotify_id") public var spotifyID: String
    /// Spotify's stable `account_id` (May 2026), when `/me` sent one.
    @OptionalField(key: "account_id") public var accountID: String?
    @OptionalField(key: "display_name") public var displayName: String?
    /// When the person last consented; the refresh token dies 6 months later.
    @OptionalField(key: "authorized_at") public var authorizedAt: Date?
    /// Set when the refresh token was refused: the person must log in again.
    @Field(key: "needs_login") public var needsLogin: Bool
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public init(spotifyID: String, accountID: String? = nil, displayName: String? = nil, authorizedAt: Date? = nil) {
        self.spotifyID = spotifyID
        self.accountID = accountID
        self.displayName = displayName
        self.authorizedAt = authorizedAt
        self.needsLogin = false
    }
}

/// A user's tokens, encrypted with the secret key.
public final class CredentialRecord: Model, @unchecked Sendable {
    public static let schema = "credentials"

    @ID(key: .id) public var id: UUID?
    @Parent(key: "user_id") public var user: UserRecord
    @Field(key: "access_token") public var sealedAccessToken: String
    @Field(key: "refresh_token") public var sealedRefreshToken: String
    @Field(key: "expires_at") public var expiresAt: Date
    @OptionalField(key: "scope") public var scope: String?
    @Field(key: "authorized_at") public var authorizedAt: Date
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}
}
