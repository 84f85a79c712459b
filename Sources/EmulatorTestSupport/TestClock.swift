import Foundation
import SpotifyWebAPI

/// A clock whose sleeps return at once and move time forward, so waits are measured exactly.
/// `onSleep` lets a test move the emulator's clock along with it.
public final class TestClock: WallClock, @unchecked Sendable {
    private let lock = NSLock()
    private var offset: Double = 0
    private var sleeps: [Double] = []
    private let start: Date
    private let onSleep: (@Sendable (Double) async -> Void)?

    public init(start: Date = Date(), onSleep: (@Sendable (Double) async -> Void)? = nil) {
        self.start = start
        self.onSleep = onSleep
    }

    public var now: Date {
        lock.lock()
        defer { lock.unlock() }
        return start.addingTimeInterval(offset)
    }

    public func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        lock.withLock {
            offset += seconds
            sleeps.append(seconds)
        }
        await onSleep?(seconds)
    }

    public func advance(_ seconds: Double) {
        lock.lock()
        offset += seconds
        lock.unlock()
    }

    /// Every sleep so far, in order.
    public var recordedSleeps: [Double] {
        lock.lock()
        defer { lock.unlock() }
        return sleeps
    }

    public var totalSlept: Double { recordedSleeps.reduce(0, +) }
}
