import Foundation

/// What a test can wait for instead of sleeping: a condition on the state (a number of logged requests, a write
/// held at a boundary), signalled the moment it holds.
extension EmulatorState {
    struct Waiter {
        let condition: @Sendable (isolated EmulatorState) -> Bool
        let continuation: CheckedContinuation<Void, Never>
    }

    /// Returns once `condition` holds: at once, or after the logged request or held write that makes it hold.
    public func waitUntil(_ condition: @escaping @Sendable (isolated EmulatorState) -> Bool) async {
        if condition(self) { return }
        await withCheckedContinuation { waiters.append(Waiter(condition: condition, continuation: $0)) }
    }

    /// Returns once `count` requests to `endpoint` (e.g. `DELETE /v1/playlists/{id}/items`) are in the log.
    public func waitForRequests(_ endpoint: String, count: Int = 1) async {
        await waitUntil { $0.count(endpoint) >= count }
    }

    /// Returns once `count` writes are held by `hold_writes_after`.
    public func waitForHeldWrites(count: Int = 1) async {
        await waitUntil { $0.heldWrites >= count }
    }

    /// Writes held by `hold_writes_after` now.
    public var heldWrites: Int { heldWriteContinuations.count }

    /// Replies withheld by `withhold_reply_of_write` now (their writes are applied).
    public var withheldReplyCount: Int { withheldReplies.count }

    /// Returns once a write is applied and its reply withheld.
    public func waitForWithheldReply() async {
        await waitUntil { $0.withheldReplyCount >= 1 }
    }

    /// Called after a write is applied: returns at once, or (for the k-th write of `withhold_reply_of_write`) only
    /// when the withheld reply is released. Returns whether the reply was withheld.
    func afterWriteApplied() async -> Bool {
        guard let k = knobs.withholdReplyOfWrite else { return false }
        writesApplied += 1
        guard writesApplied == k else { return false }
        await withCheckedContinuation { continuation in
            withheldReplies.append(continuation)
            signalWaiters()
        }
        return true
    }

    /// Lets withheld replies go (answered with a 502 by the gate: the write landed, the answer says otherwise).
    public func releaseWithheldReplies() {
        let withheld = withheldReplies
        withheldReplies = []
        for continuation in withheld { continuation.resume() }
    }

    func signalWaiters() {
        guard !waiters.isEmpty else { return }
        var waiting: [Waiter] = []
        for waiter in waiters {
            if waiter.condition(self) { waiter.continuation.resume() } else { waiting.append(waiter) }
        }
        waiters = waiting
    }

    /// Whether an admitted write proceeds: past `hold_writes_after` it waits here until it is released, and
    /// proceeds only if released with `apply`.
    func admitWrite() async -> Bool {
        guard let limit = knobs.holdWritesAfter else { return true }
        writesAdmitted += 1
        guard writesAdmitted > limit else { return true }
        return await withCheckedContinuation { continuation in
            heldWriteContinuations.append(continuation)
            signalWaiters()
        }
    }

    /// Lets the held writes go: applied (`apply`), as a server that received them before the client vanished
    /// might, or dropped unapplied with a 503.
    public func releaseHeldWrites(apply: Bool) {
        let held = heldWriteContinuations
        heldWriteContinuations = []
        for continuation in held { continuation.resume(returning: apply) }
    }
}
