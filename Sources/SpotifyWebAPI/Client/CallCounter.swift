import Foundation

/// Counts Web API requests: first attempts, and retries (after a 429, a 5xx, a dropped connection or a 401)
/// separately, as the sync report shows them.
public final class CallCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var calls = 0
    private var retried = 0
    private var reread = 0

    public init() {}

    func count(retry: Bool) {
        lock.withLock {
            if retry { retried += 1 } else { calls += 1 }
        }
    }

    /// Called by whoever re-reads data because it moved underneath (a playlist's snapshot changed).
    public func countReread() {
        lock.withLock { reread += 1 }
    }

    /// Requests made, not counting retries.
    public var requests: Int { lock.withLock { calls } }
    public var retries: Int { lock.withLock { retried } }
    public var rereads: Int { lock.withLock { reread } }
}
