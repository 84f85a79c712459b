import Synchronization

/// Bounds how many requests are on the wire at once, for the task that sets it and its children (a sync reads
/// many playlists, each in several pages, at once). Waiting requests go out in the order they arrived.
///
/// Only the exchange itself holds a place: waiting for the rate budget, refreshing a token and decoding the
/// answer happen outside. A freed place passes to the next waiting request on the thread that freed it, the
/// one the answer arrived on: the waiting request goes out at once, without waiting for its task to be
/// scheduled, so the places stay busy with requests even while every core is busy decoding and writing.
public final class RequestGate: Sendable {
    public let width: Int
    private let state: Mutex<State>

    /// Starts one request; calls `done` once it is answered or has failed.
    typealias Start = @Sendable (_ done: @escaping @Sendable () -> Void) -> Void

    private struct State {
        var available: Int
        var waiting: [Start] = []
        var next = 0
        /// Callers of `waitUntilWaiting`, with the count each waits for.
        var observers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []

        var waitingCount: Int { waiting.count - next }

        mutating func takeWaiting() -> Start? {
            guard next < waiting.count else { return nil }
            let start = waiting[next]
            next += 1
            if next > 64, next * 2 > waiting.count {
                waiting.removeFirst(next)
                next = 0
            }
            return start
        }
    }

    public init(width: Int) {
        self.width = max(1, width)
        state = Mutex(State(available: self.width))
    }

    /// Runs `start` once a place is free: now, or later on the thread of the request that frees one. `start` must
    /// call its `done` exactly once, when its request has its answer or has failed.
    func submit(_ start: @escaping Start) {
        let (now, ready) = state.withLock { state -> (Bool, [CheckedContinuation<Void, Never>]) in
            guard state.available > 0 else {
                state.waiting.append(start)
                let count = state.waitingCount
                let ready = state.observers.filter { $0.count <= count }.map(\.continuation)
                state.observers.removeAll { $0.count <= count }
                return (false, ready)
            }
            state.available -= 1
            return (true, [])
        }
        for observer in ready { observer.resume() }
        if now { start(release) }
    }

    /// Requests waiting for a place now (cancelled ones included until their turn comes).
    public var waitingCount: Int { state.withLock { $0.waitingCount } }

    /// Returns once at least `count` requests wait for a place (tests await this instead of sleeping).
    public func waitUntilWaiting(_ count: Int) async {
        await withCheckedContinuation { continuation in
            let holds = state.withLock { state in
                guard state.waitingCount < count else { return true }
                state.observers.append((count, continuation))
                return false
            }
            if holds { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state in
            let next = state.takeWaiting()
            if next == nil { state.available += 1 }
            return next
        }
        next?(release)
    }
}
