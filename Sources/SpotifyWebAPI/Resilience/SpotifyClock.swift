import Foundation

/// Time as the client sees it. Tests inject a clock that advances instantly, so waits are measured exactly.
public protocol SpotifyClock: Sendable {
    /// The current time.
    var now: Date { get }
    /// Suspends for `seconds`.
    func sleep(seconds: Double) async throws
}

public struct SystemClock: SpotifyClock {
    public init() {}
    public var now: Date { Date() }
    public func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
    }
}
