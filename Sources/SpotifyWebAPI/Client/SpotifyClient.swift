import Foundation
import Logging
import PlaykeeperJSON

/// The Web API, acting as one user. Cheap to make; all state is shared through `SpotifyAPI`.
public struct SpotifyClient: Sendable {
    /// Counts the requests made by the current task and its children (a sync reports them).
    @TaskLocal public static var callCounter: CallCounter?
    /// Bounds the requests of the current task and its children that are on the wire at once.
    @TaskLocal public static var requestGate: RequestGate?

    public let api: SpotifyAPI
    public let user: String

    /// Reads of entries ask for the user's market, so that `is_playable` and `linked_from` are sent.
    static let market = ("market", "from_token")
    /// Without this, episodes come back disguised as tracks.
    static let additionalTypes = ("additional_types", "track,episode")

    /// Sends a request through the budget, with token refresh, 429 handling and bounded retries.
    func send(_ request: SpotifyRequest) async throws -> JSONValue {
        let data = try await sendForData(request)
        if data.isEmpty { return .null }
        do {
            return try JSONValue(parsing: data)
        } catch {
            throw SpotifyError.decoding(endpoint: request.endpoint, detail: "\(error)")
        }
    }

    func send<Object: SpotifyObject>(_ request: SpotifyRequest, as type: Object.Type = Object.self) async throws -> Object {
        Object(json: try await send(request))
    }

    /// Sends a request as `send` does, and reads the response's JSON with `read` rather than into a tree.
    func send<Result>(_ request: SpotifyRequest, reading read: (inout JSONReader) throws -> Result) async throws -> Result {
        let data = try await sendForData(request)
        do {
            return try JSONReader.read(data, read)
        } catch {
            throw SpotifyError.decoding(endpoint: request.endpoint, detail: "\(error)")
        }
    }

    /// One exchange with Spotify, holding a place of the task's request gate if it has one.
    private func exchange(_ request: SpotifyHTTPRequest) async throws -> SpotifyHTTPResponse {
        guard let gate = Self.requestGate else { return try await api.transport.send(request) }
        let transport = api.transport
        let cancel = CancelBox()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                gate.submit { done in
                    guard !cancel.isCancelled else {
                        done()
                        continuation.resume(throwing: CancellationError())
                        return
                    }
                    cancel.set(
                        transport.start(request) { result in
                            // The place goes to the next waiting request before this task is even scheduled.
                            done()
                            continuation.resume(with: result)
                        })
                }
            }
        } onCancel: {
            cancel.cancel()
        }
    }

    private func sendForData(_ request: SpotifyRequest) async throws -> Data {
        let policy = api.retryPolicy
        var refreshedAfter401 = false
        var serverRetries = 0
        var rateLimitWaited = 0.0
        let url = request.url(base: api.configuration.apiURL)
        let body = request.body.map { $0.serializedData() }

        var attempt = 0
        while true {
            attempt += 1
            try await api.budget.acquire()
            Self.callCounter?.count(retry: attempt > 1)
            let accessToken = try await api.tokens.accessToken(for: user)
            var headers: [(name: String, value: String)] = [("Authorization", "Bearer \(accessToken)")]
            if body != nil { headers.append(("Content-Type", "application/json")) }
            let started = api.clock.now
            let response: SpotifyHTTPResponse
            do {
                response = try await exchange(
                    SpotifyHTTPRequest(method: request.method, url: url, headers: headers, body: body))
            } catch let failure as TransportFailure {
                let safeToRepeat: Bool
                switch failure {
                case .notSent: safeToRepeat = true
                case .interrupted: safeToRepeat = !request.isWrite
                }
                guard safeToRepeat else {
                    throw SpotifyError.writeMayHaveBeenApplied(endpoint: request.endpoint, status: nil)
                }
                guard serverRetries < policy.maxServerRetries else {
                    throw SpotifyError.transport(endpoint: request.endpoint, detail: "\(failure)")
                }
                serverRetries += 1
                try await api.clock.sleep(seconds: policy.backoff(attempt: serverRetries))
                continue
            }
            api.observer?.record(
                endpoint: request.endpoint, status: response.status,
                seconds: api.clock.now.timeIntervalSince(started))

            switch response.status {
            case 200..<300:
                return response.body

            case 401 where !refreshedAfter401:
                // "Missing/invalid/expired access token" covers every token problem: refresh once, retry once.
                refreshedAfter401 = true
                _ = try await api.tokens.accessTokenAfterRejection(of: accessToken, for: user)
                continue

            case 429:
                let error = Self.apiError(response, endpoint: request.endpoint)
                if case .api(_, _, let reason, _) = error, reason == "QUOTA_EXCEEDED" {
                    throw SpotifyError.quotaExceeded(endpoint: request.endpoint)
                }
                let retryAfter = response.headers["retry-after"].flatMap(Double.init) ?? 1
                let wait = retryAfter + policy.jitter()
                guard rateLimitWaited + wait <= policy.maxRateLimitWait else {
                    throw SpotifyError.rateLimited(endpoint: request.endpoint, retryAfter: retryAfter)
                }
                rateLimitWaited += wait
                api.logger.notice(
                    "rate limited by Spotify",
                    metadata: ["endpoint": "\(request.endpoint)", "retry_after": "\(retryAfter)"])
                api.observer?.recordRateLimitWait(endpoint: request.endpoint, seconds: wait)
                // A 429 is refused before it is applied, so even a write may be repeated.
                await api.budget.rateLimited(retryAfter: wait)
                continue

            case 500..<600:
                if request.isWrite {
                    throw SpotifyError.writeMayHaveBeenApplied(endpoint: request.endpoint, status: response.status)
                }
                guard serverRetries < policy.maxServerRetries else {
                    throw Self.apiError(response, endpoint: request.endpoint)
                }
                serverRetries += 1
                try await api.clock.sleep(seconds: policy.backoff(attempt: serverRetries))
                continue

            default:
                throw Self.apiError(response, endpoint: request.endpoint)
            }
        }
    }

    /// Reads Spotify's `{"error": {"status", "message", "reason"}}` body, tolerating anything else.
    static func apiError(_ response: SpotifyHTTPResponse, endpoint: String) -> SpotifyError {
        let json = try? JSONValue(parsing: response.body)
        let error = json?["error"]
        return .api(
            status: response.status,
            message: error?["message"]?.stringValue ?? error?.stringValue,
            reason: error?["reason"]?.stringValue,
            endpoint: endpoint
        )
    }
}
