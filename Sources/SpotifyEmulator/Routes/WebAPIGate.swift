import Foundation
import PlaykeeperJSON
import Vapor

/// Runs in front of every Web API route: latency, quota, rate limit, injected faults, error shaping, the log.
struct WebAPIGate: AsyncMiddleware {
    let state: EmulatorState

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        // Arrival is marked before anything waits for the state, which may be busy answering other requests.
        let arrived = ContinuousClock.now
        let endpoint = request.endpointTemplate
        let latency = try await Latency.arrive(await state.knobs, at: arrived)
        let response: Response
        switch await state.admit(isWrite: request.method != .GET) {
        case .reject(let status, let message, let reason, let retryAfter):
            response = .webAPIError(WebAPIFailure(status: status, message: message, reason: reason), retryAfter: retryAfter)
        case .proceed(let failAfterWrite):
            var answer: Response
            do {
                if request.method != .GET, !(await state.admitWrite()) {
                    // Held at a write boundary, then dropped: never applied.
                    throw WebAPIFailure(status: 503, message: "Service unavailable")
                }
                answer = try await next.respond(to: request)
                if request.method != .GET, answer.status.code < 300, await state.afterWriteApplied() {
                    // Applied, its reply withheld until released, then answered as a lost reply would be seen.
                    answer = .webAPIError(WebAPIFailure(status: 502, message: "Bad gateway"))
                }
            } catch let failure as WebAPIFailure {
                answer = .webAPIError(failure)
            }
            if failAfterWrite, answer.status.code < 300 {
                // The change is applied, but the client hears a 5xx: it must re-read before repeating.
                answer = .webAPIError(WebAPIFailure(status: 502, message: "Bad gateway"))
            }
            response = answer
        }
        await state.record(endpoint: endpoint, status: Int(response.status.code))
        try await latency.depart()
        return response
    }
}

/// Logs the Accounts service's requests too, and applies the latency knob.
struct AccountsGate: AsyncMiddleware {
    let state: EmulatorState

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let arrived = ContinuousClock.now
        let latency = try await Latency.arrive(await state.knobs, at: arrived)
        let response = try await next.respond(to: request)
        await state.record(endpoint: request.endpointTemplate, status: Int(response.status.code))
        try await latency.depart()
        return response
    }
}

/// The `latency_ms` knob: the time a request takes as the client sees it, like a real server's, whose
/// latency includes its own work. Half of it passes before the request is handled (the way there); the answer
/// leaves once the whole of it has passed since arrival (the way back), so the time the emulator spends
/// building the answer counts against the latency instead of adding to it. Otherwise a benchmark would charge
/// Playkeeper for the emulator's work on the same machine, which Spotify's servers do elsewhere.
struct Latency {
    let due: ContinuousClock.Instant?

    /// Waits out the way there of a request that arrived at `arrived`.
    static func arrive(_ knobs: EmulatorKnobs, at arrived: ContinuousClock.Instant) async throws -> Latency {
        guard knobs.latencyMS > 0 else { return Latency(due: nil) }
        let total = Duration.milliseconds(knobs.latencyMS)
        try await Task.sleep(until: arrived + total / 2)
        return Latency(due: arrived + total)
    }

    /// Waits until the whole latency has passed since arrival.
    func depart() async throws {
        if let due { try await Task.sleep(until: due) }
    }
}
