import Foundation
import PlaykeeperJSON
import SpotifyWebAPI
import Synchronization
import Testing

/// The request gate, against a transport that answers only when the test says so.
struct RequestGateTests {
    /// Keeps every started request until `answer` is called for it.
    final class HeldTransport: SpotifyTransport {
        private let held = Mutex<[(path: String, completion: @Sendable (Result<SpotifyHTTPResponse, any Error>) -> Void)]>([])
        /// Callers of `waitForStarted`, with the count each waits for.
        private let observers = Mutex<[(count: Int, continuation: CheckedContinuation<Void, Never>)]>([])

        func send(_ request: SpotifyHTTPRequest) async throws -> SpotifyHTTPResponse {
            try await withCheckedThrowingContinuation { continuation in
                _ = start(request) { continuation.resume(with: $0) }
            }
        }

        func start(
            _ request: SpotifyHTTPRequest, completion: @escaping @Sendable (Result<SpotifyHTTPResponse, any Error>) -> Void
        ) -> TransportCancel {
            let count = held.withLock {
                $0.append((request.url.path, completion))
                return $0.count
            }
            let ready = observers.withLock { observers in
                let ready = observers.filter { $0.count <= count }.map(\.continuation)
                observers.removeAll { $0.count <= count }
                return ready
            }
            for observer in ready { observer.resume() }
            return {}
        }

        var started: [String] { held.withLock { $0.map(\.path) } }

        /// Answers the request for `path` with an empty playlist, on the caller's thread.
        func answer(_ path: String) {
            let completion = held.withLock { held in held.first { $0.path == path }?.completion }
            completion?(.success(SpotifyHTTPResponse(status: 200, body: Data(#"{"id":"x","snapshot_id":"s"}"#.utf8))))
        }

        /// Returns once `count` requests have started.
        func waitForStarted(_ count: Int) async throws {
            await withCheckedContinuation { continuation in
                // Registered and checked under the same lock order as `start`: held first, then observers.
                let holds = held.withLock { held in
                    observers.withLock { observers in
                        guard held.count < count else { return true }
                        observers.append((count, continuation))
                        return false
                    }
                }
                if holds { continuation.resume() }
            }
        }
    }

    // A signal that never comes fails the test instead of hanging the run.
    @Test(.timeLimit(.minutes(2))) func aFreedPlaceGoesToTheNextRequestOnTheThreadTheAnswerArrivedOn() async throws {
        let transport = HeldTransport()
        let client = try offlineClient(transport)
        let gate = RequestGate(width: 2)
        try await SpotifyClient.$requestGate.withValue(gate) {
            try await withThrowingTaskGroup(of: String?.self) { group in
                for index in 0..<5 { group.addTask { try await client.playlist("p\(index)").snapshotID } }
                try await transport.waitForStarted(2)
                await gate.waitUntilWaiting(3)
                #expect(transport.started.count == 2, "no more requests on the wire than the gate's width")
                for answered in 0..<3 {
                    let next = transport.started.count
                    transport.answer(transport.started[answered])
                    #expect(
                        transport.started.count == next + 1,
                        "the next waiting request went out inside the answer's callback, before any task ran")
                }
                for path in transport.started.suffix(2) { transport.answer(path) }
                var snapshots: [String?] = []
                for try await snapshot in group { snapshots.append(snapshot) }
                #expect(snapshots == Array(repeating: "s", count: 5))
                #expect(Set(transport.started).count == 5)
            }
        }
    }

    // A signal that never comes fails the test instead of hanging the run.
    @Test(.timeLimit(.minutes(2))) func aCancelledWaitingRequestPassesItsPlaceOn() async throws {
        let transport = HeldTransport()
        let client = try offlineClient(transport)
        let gate = RequestGate(width: 1)
        try await SpotifyClient.$requestGate.withValue(gate) {
            let first = Task { try await client.playlist("first").snapshotID }
            try await transport.waitForStarted(1)
            let cancelled = Task { try await client.playlist("cancelled").snapshotID }
            await gate.waitUntilWaiting(1)
            let last = Task { try await client.playlist("last").snapshotID }
            await gate.waitUntilWaiting(2)
            cancelled.cancel()
            #expect(transport.started == ["/v1/playlists/first"])
            transport.answer("/v1/playlists/first")
            #expect(try await first.value == "s")
            await #expect(throws: CancellationError.self) { try await cancelled.value }
            try await transport.waitForStarted(2)
            #expect(transport.started == ["/v1/playlists/first", "/v1/playlists/last"], "the cancelled one never went out")
            transport.answer("/v1/playlists/last")
            #expect(try await last.value == "s")
        }
    }
}
