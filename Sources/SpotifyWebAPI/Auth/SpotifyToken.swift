import Foundation
import PlaykeeperJSON

/// A user's credentials. Its description never shows the tokens.
public struct SpotifyToken: Sendable, Codable, Equatable, CustomStringConvertible {
    public var accessToken: String
    public var refreshToken: String
    public var expiresAt: Date
    public var scope: String?
    /// When the person consented. Spotify's refresh tokens die 6 months after this; refreshing does not extend it.
    public var authorizedAt: Date

    public init(accessToken: String, refreshToken: String, expiresAt: Date, scope: String?, authorizedAt: Date) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresAt = expiresAt
        self.scope = scope
        self.authorizedAt = authorizedAt
    }

    /// The refresh token's expected end, 6 months after authorization.
    public var loginExpiresAt: Date {
        Calendar(identifier: .gregorian).date(byAdding: .month, value: 6, to: authorizedAt) ?? authorizedAt
    }

    public var description: String {
        "SpotifyToken(expiresAt: \(expiresAt), scope: \(scope ?? "-"), authorizedAt: \(authorizedAt), tokens: <redacted>)"
    }
}

/// The Accounts service's token answer. Holds secrets: it is never logged, and its description hides them.
public struct TokenResponse: Sendable, CustomStringConvertible {
    public let accessToken: String
    public let tokenType: String?
    public let scope: String?
    public let expiresIn: Int
    /// Absent on most confidential refreshes: keep the old one then.
    public let refreshToken: String?

    public init(json: JSONValue) throws {
        guard let accessToken = json["access_token"]?.stringValue, !accessToken.isEmpty else {
            throw SpotifyError.decoding(endpoint: "POST /api/token", detail: "no access_token in the answer")
        }
        self.accessToken = accessToken
        tokenType = json["token_type"]?.stringValue
        scope = json["scope"]?.stringValue
        expiresIn = json["expires_in"]?.intValue ?? 3600
        refreshToken = json["refresh_token"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    }

    public var description: String {
        "TokenResponse(expiresIn: \(expiresIn), scope: \(scope ?? "-"), rotated: \(refreshToken != nil), tokens: <redacted>)"
    }
}
