import Foundation
import PlaykeeperJSON

/// One line of the request log.
public struct LoggedRequest: Sendable, Codable, Equatable {
    /// The endpoint's template, e.g. `GET /v1/playlists/{id}/items`.
    public let endpoint: String
    public let status: Int
    public let at: Date
}

/// What happens to a Web API request before it reaches its handler.
enum Admission: Sendable {
    case proceed(failAfterWrite: Bool)
    case reject(status: Int, message: String, reason: String?, retryAfter: Int?)
}

extension EmulatorState {
    /// Applies the quota, the rolling-window rate limit and injected faults, in that order.
    func admit(isWrite: Bool) -> Admission {
        let now = self.now
        if let quota = knobs.quota {
            quotaUsed += 1
            if quotaUsed > quota {
                return .reject(status: 429, message: "API rate limit exceeded", reason: "QUOTA_EXCEEDED", retryAfter: 86_400)
            }
        }
        if let limit = knobs.rateLimit {
            windowStarts.removeAll { now.timeIntervalSince($0) >= 30 }
            if windowStarts.count >= limit, let oldest = windowStarts.first {
                let retryAfter = max(1, Int((30 - now.timeIntervalSince(oldest)).rounded(.up)))
                return .reject(status: 429, message: "API rate limit exceeded", reason: nil, retryAfter: retryAfter)
            }
            windowStarts.append(now)
        }
        if knobs.faultRate > 0, random.fraction() < knobs.faultRate {
            let statuses = [500, 502, 503]
            let status = statuses[Int(random.next() % 3)]
            return .reject(
                status: status, message: status == 500 ? "Server error" : "Service unavailable", reason: nil, retryAfter: nil)
        }
        let failAfter = isWrite && knobs.faultAfterWriteRate > 0 && random.fraction() < knobs.faultAfterWriteRate
        return .proceed(failAfterWrite: failAfter)
    }

    func record(endpoint: String, status: Int) {
        log.append(LoggedRequest(endpoint: endpoint, status: status, at: now))
        signalWaiters()
    }

    /// The request log, with counts per endpoint.
    public func requestLog() -> (requests: [LoggedRequest], counts: [String: Int]) {
        var counts: [String: Int] = [:]
        for entry in log { counts[entry.endpoint, default: 0] += 1 }
        return (log, counts)
    }

    /// Empties the request log (and the quota counter), so a test can count one phase alone.
    public func resetRequestLog() {
        log.removeAll()
        quotaUsed = 0
    }

    /// How many logged requests match `endpoint` exactly (e.g. `GET /v1/playlists/{id}/items`).
    public func count(_ endpoint: String) -> Int {
        log.reduce(0) { $0 + ($1.endpoint == endpoint ? 1 : 0) }
    }
}
