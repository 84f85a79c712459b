import Foundation

/// How hard the client tries before giving up.
public struct RetryPolicy: Sendable {
    /// Retries of a read after a 5xx or a dropped connection.
    public var maxServerRetries: Int
    /// The first backoff; each retry doubles it, up to `maxBackoff`.
    public var initialBackoff: Double
    public var maxBackoff: Double
    /// The most a single call may wait on 429s in total before it fails with `rateLimited`.
    public var maxRateLimitWait: Double
    /// Up to this many seconds are added to each `Retry-After`, so that waiting callers do not return at once.
    public var maxJitter: Double

    public init(
        maxServerRetries: Int = 4,
        initialBackoff: Double = 0.5,
        maxBackoff: Double = 8,
        maxRateLimitWait: Double = 120,
        maxJitter: Double = 1
    ) {
        self.maxServerRetries = maxServerRetries
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.maxRateLimitWait = maxRateLimitWait
        self.maxJitter = maxJitter
    }

    public static let `default` = RetryPolicy()

    /// The wait before retry number `attempt` (1-based), with up to 25% jitter.
    func backoff(attempt: Int) -> Double {
        let base = min(maxBackoff, initialBackoff * pow(2, Double(attempt - 1)))
        return base * Double.random(in: 0.75...1.0)
    }

    func jitter() -> Double { maxJitter > 0 ? Double.random(in: 0...maxJitter) : 0 }
}
