import Foundation

/// One request budget for the whole app: a rolling window (30 s by default) with a fixed number of requests.
///
/// Spotify rate-limits per app, over a rolling 30-second window, so every call of every user goes through
/// this one budget. A 429 pauses the whole budget for its `Retry-After`, rather than each caller hammering alone.
public actor RequestBudget {
    public let limit: Int
    public let window: Double
    private let clock: any WallClock
    private var sent: [Date] = []
    private var head = 0
    private var pausedUntil: Date?
    /// Seconds spent waiting on 429 pauses, for metrics.
    public private(set) var rateLimitWait: Double = 0

    /// - Parameters:
    ///   - limit: requests allowed in any window.
    ///   - window: the window's length in seconds.
    public init(limit: Int = 150, window: Double = 30, clock: any WallClock = SystemClock()) {
        precondition(limit > 0 && window > 0)
        self.limit = limit
        self.window = window
        self.clock = clock
    }

    /// Waits until a request may be sent, and counts it.
    public func acquire() async throws {
        while true {
            let now = clock.now
            if let pausedUntil, pausedUntil > now {
                try await clock.sleep(seconds: pausedUntil.timeIntervalSince(now))
                continue
            }
            while head < sent.count, now.timeIntervalSince(sent[head]) >= window { head += 1 }
            if head > 1024 {
                sent.removeFirst(head)
                head = 0
            }
            if sent.count - head < limit {
                sent.append(now)
                return
            }
            try await clock.sleep(seconds: window - now.timeIntervalSince(sent[head]))
        }
    }

    /// Pauses every caller for `seconds`, as a 429's `Retry-After` asks.
    public func pause(seconds: Double) {
        let until = clock.now.addingTimeInterval(seconds)
        if pausedUntil.map({ until > $0 }) ?? true { pausedUntil = until }
        rateLimitWait += seconds
    }

}
