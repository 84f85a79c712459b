import Foundation

/// The one notion of time: the Spotify client, the Library and the service read the time and sleep through the
/// clock injected at the composition root (`SpotifyAPI.clock`). Tests inject one that advances instantly, so waits
/// are measured exactly and time can be moved on.
public protocol WallClock: Sendable {
    /// The current time.
    var now: Date { get }
    /// Suspends for `seconds`.
    func sleep(seconds: Double) async throws
}

public struct SystemClock: WallClock {
    public init() {}
    public var now: Date { Date() }
    public func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
    }
}

extension SpotifyClient {
    /// The clock of the API this client belongs to: the time the Library stamps its records with.
    public var clock: any WallClock { api.clock }
}
