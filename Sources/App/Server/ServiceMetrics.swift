import CoreMetrics
import Foundation
import Metrics
import Prometheus
import SpotifyWebAPI

/// The service's metrics, kept in its own Prometheus registry and served at `/metrics`.
///
/// swift-metrics types are made with this registry's factory rather than the global one, so several
/// services (tests start many) never share or re-bootstrap a global metrics system.
public final class ServiceMetrics: SpotifyCallObserver, Sendable {
    public let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5),
            .seconds(15), .seconds(60), .seconds(300),
        ]
        self.factory = factory
    }

    /// One Spotify response, by endpoint template and status.
    public func record(endpoint: String, status: Int, seconds: Double) {
        Counter(
            label: "playkeeper_spotify_calls_total", dimensions: [("endpoint", endpoint), ("status", "\(status)")],
            factory: factory
        )
        .increment()
        Timer(label: "playkeeper_spotify_call_seconds", dimensions: [("endpoint", endpoint)], factory: factory)
            .recordSeconds(seconds)
    }

    /// A 429 and the wait it caused.
    public func recordRateLimitWait(endpoint: String, seconds: Double) {
        Counter(label: "playkeeper_spotify_rate_limited_total", dimensions: [("endpoint", endpoint)], factory: factory)
            .increment()
        FloatingPointCounter(label: "playkeeper_spotify_rate_limit_wait_seconds_total", dimensions: [], factory: factory)
            .increment(by: seconds)
    }

    public func recordSync(seconds: Double, outcome: String) {
        Timer(label: "playkeeper_sync_seconds", dimensions: [("outcome", outcome)], factory: factory).recordSeconds(seconds)
    }

    public func recordJob(kind: String, outcome: String) {
        Counter(label: "playkeeper_jobs_total", dimensions: [("kind", kind), ("outcome", outcome)], factory: factory).increment()
    }

    /// What the request budget has learned: the requests per 30 s it allows, and what Spotify accepted before its
    /// last 429 (absent until one).
    public func recordBudget(_ learned: LearnedRate) {
        Gauge(label: "playkeeper_spotify_request_budget", dimensions: [], factory: factory).record(learned.limit)
        if let observed = learned.observed {
            Gauge(label: "playkeeper_spotify_rate_limit_observed", dimensions: [], factory: factory).record(observed)
        }
    }

    /// The Prometheus text exposition.
    public func exposition() -> String { registry.emitToString() }
}
