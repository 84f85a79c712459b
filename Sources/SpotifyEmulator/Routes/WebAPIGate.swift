import Foundation
import PlaykeeperJSON
import Vapor

/// Runs in front of every Web API route: latency, quota, rate limit, injected faults, error shaping, the log.
struct WebAPIGate: AsyncMiddleware {
    let state: EmulatorState

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let endpoint = request.endpointTemplate
        let knobs = await state.knobs
        if knobs.latencyMS > 0 { try await Task.sleep(nanoseconds: UInt64(knobs.latencyMS) * 1_000_000) }
        let response: Response
        switch await state.admit(isWrite: request.method != .GET) {
        case .reject(let status, let message, let reason, let retryAfter):
            response = .webAPIError(WebAPIFailure(status: status, message: message, reason: reason), retryAfter: retryAfter)
        case .proceed(let failAfterWrite):
            var answer: Response
            do {
                answer = try await next.respond(to: request)
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
        return response
    }
}

/// Logs the Accounts service's requests too, and applies the latency knob.
struct AccountsGate: AsyncMiddleware {
    let state: EmulatorState

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let knobs = await state.knobs
        if knobs.latencyMS > 0 { try await Task.sleep(nanoseconds: UInt64(knobs.latencyMS) * 1_000_000) }
        let response = try await next.respond(to: request)
        await state.record(endpoint: request.endpointTemplate, status: Int(response.status.code))
        return response
    }
}
