/// Bounds how many requests are on the wire at once, for the task that sets it and its children (a sync reads
/// many playlists, each in several pages, at once). Waiting requests go out in the order they arrived.
///
/// Only the exchange itself holds a place: waiting for the rate budget, refreshing a token and decoding the
/// answer happen outside, so the places stay busy with requests.
public actor RequestGate {
    public let width: Int
    private var available: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(width: Int) {
        self.width = max(1, width)
        available = self.width
    }

    func enter() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty {
            available += 1
        } else {
            // The place passes straight to the longest waiter.
            waiting.removeFirst().resume()
        }
    }
}
