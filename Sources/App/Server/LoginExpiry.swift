import Foundation
import Store

/// When a person's login ends: Spotify's refresh tokens die 6 months after the authorization, and
/// refreshing does not extend them.
public struct LoginExpiry: Sendable, Equatable {
    public static let warningDays = 14

    public let expiresAt: Date?
    public let needsLogin: Bool
    /// Ends within 14 days: the page and the API warn.
    public let endingSoon: Bool

    public init(_ user: UserRecord, now: Date) {
        needsLogin = user.needsLogin
        expiresAt = user.authorizedAt.flatMap { Calendar(identifier: .gregorian).date(byAdding: .month, value: 6, to: $0) }
        endingSoon = expiresAt.map { $0.timeIntervalSince(now) < Double(Self.warningDays) * 86_400 } ?? false
    }
}
