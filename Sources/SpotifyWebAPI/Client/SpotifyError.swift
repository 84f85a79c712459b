import Foundation

/// Everything that can go wrong talking to Spotify. Never carries a token, a code or a secret.
public enum SpotifyError: Error, Sendable, CustomStringConvertible {
    /// A Web API error: `{"error": {"status", "message", "reason"?}}`.
    case api(status: Int, message: String?, reason: String?, endpoint: String)
    /// The Accounts service refused: `{"error", "error_description"}`.
    case accounts(status: Int, error: String?, description: String?)
    /// The refresh token expired or was revoked (`invalid_grant`). The person must log in again.
    case reauthorizationRequired(user: String, detail: String?)
    /// No stored credentials for the user.
    case notLoggedIn(user: String)
    /// 429s kept coming past the wait we allow ourselves.
    case rateLimited(endpoint: String, retryAfter: TimeInterval?)
    /// The app's developer-account quota is exhausted (`"reason": "QUOTA_EXCEEDED"`); waiting will not help.
    case quotaExceeded(endpoint: String)
    /// A write failed in a way that does not tell whether Spotify applied it. Re-read before repeating it.
    case writeMayHaveBeenApplied(endpoint: String, status: Int?)
    /// The connection failed, and retries did not help.
    case transport(endpoint: String, detail: String)
    /// Paging went wrong: a repeated `next`, a `limit` of 0, more pages than `total` implies, a foreign host.
    case paging(endpoint: String, detail: String)
    /// The response was not the JSON we expected.
    case decoding(endpoint: String, detail: String)

    public var description: String {
        switch self {
        case .api(let status, let message, let reason, let endpoint):
            "Spotify answered \(status) to \(endpoint)" + (message.map { ": \($0)" } ?? "")
                + (reason.map { " (\($0))" } ?? "")
        case .accounts(let status, let error, let description):
            "Spotify's Accounts service answered \(status)" + (error.map { ": \($0)" } ?? "")
                + (description.map { " (\($0))" } ?? "")
        case .reauthorizationRequired(let user, let detail):
            "the Spotify login of \(user) has expired or was revoked; log in again"
                + (detail.map { " (\($0))" } ?? "")
        case .notLoggedIn(let user):
            "\(user) has not logged in with Spotify; run 'playkeeper login'"
        case .rateLimited(let endpoint, let retryAfter):
            "Spotify's rate limit was hit on \(endpoint)" + (retryAfter.map { "; retry after \(Int($0.rounded(.up))) s" } ?? "")
        case .quotaExceeded(let endpoint):
            "the Spotify app's quota is exhausted (QUOTA_EXCEEDED on \(endpoint))"
        case .writeMayHaveBeenApplied(let endpoint, let status):
            "\(endpoint) failed" + (status.map { " with \($0)" } ?? " (connection lost)")
                + "; Spotify may have applied the change: re-read before repeating it"
        case .transport(let endpoint, let detail):
            "could not reach Spotify for \(endpoint): \(detail)"
        case .paging(let endpoint, let detail):
            "paging \(endpoint) stopped: \(detail)"
        case .decoding(let endpoint, let detail):
            "unexpected response from \(endpoint): \(detail)"
        }
    }

    /// The HTTP status Spotify gave, when there was one.
    public var status: Int? {
        switch self {
        case .api(let status, _, _, _), .accounts(let status, _, _): status
        case .rateLimited, .quotaExceeded: 429
        case .writeMayHaveBeenApplied(_, let status): status
        default: nil
        }
    }

    /// True for 403 answers: not the owner, not allow-listed, or a scope missing.
    public var isForbidden: Bool { status == 403 }
}
