import Foundation
import Store
import Synchronization

/// Remembers for a few seconds which user an API token belongs to, so a script's burst of requests does not
/// look the token up for every one. Revoking a token here forgets it at once; another process serving the
/// same store forgets it within `lifetime`.
///
/// A lock, not an actor: a request that finds its token here goes on without leaving the event loop.
final class CallerCache: Sendable {
    struct Entry {
        let user: UserRecord
        let tokenID: UUID
        let expires: Date
    }

    static let lifetime: TimeInterval = 10
    private let entries = Mutex<[String: Entry]>([:])

    func user(forTokenHash hash: String, now: Date) -> UserRecord? {
        entries.withLock { entries in
            guard let entry = entries[hash] else { return nil }
            guard entry.expires > now else {
                entries[hash] = nil
                return nil
            }
            return entry.user
        }
    }

    func remember(_ user: UserRecord, tokenID: UUID, hash: String, now: Date) {
        entries.withLock { entries in
            if entries.count > 10_000 { entries = entries.filter { $0.value.expires > now } }
            entries[hash] = Entry(user: user, tokenID: tokenID, expires: now.addingTimeInterval(Self.lifetime))
        }
    }

    func forget(tokenID: UUID) {
        entries.withLock { entries in entries = entries.filter { $0.value.tokenID != tokenID } }
    }

    /// After a user's login state changed (needs login, a new login).
    func forget(user: UUID) {
        entries.withLock { entries in entries = entries.filter { $0.value.user.id != user } }
    }
}
