import Foundation
import SpotifyWebAPI

/// How `playkeeper serve` is reached and how often it works, from the environment.
public struct ServerSettings: Sendable, Equatable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// The address people use, behind a reverse proxy (`PLAYKEEPER_PUBLIC_URL`). It sets the redirect URI and
    /// the cookies' Secure flag.
    public var publicURL: URL?
    /// Seconds between a user's scheduled syncs (`PLAYKEEPER_SYNC_INTERVAL`, default one hour).
    public var syncInterval: TimeInterval = 3600
    /// Seconds between polls of a user's recent plays (`PLAYKEEPER_PLAYS_INTERVAL`, default 20 minutes). Spotify
    /// keeps only the last 50 plays, so a longer interval risks gaps for someone who listens a lot.
    public var playsInterval: TimeInterval = 1200
    /// The least time between automatic updates of a smart playlist (`PLAYKEEPER_SMART_INTERVAL`, default one
    /// hour). After each poll the ones whose result changed are updated, unless updated within this.
    public var smartInterval: TimeInterval = 3600
    /// Seconds between a user's token refreshes: "renew every hour".
    public var refreshInterval: TimeInterval = 3600
    /// How often the scheduler looks for due jobs (`PLAYKEEPER_SCHEDULER_TICK`).
    public var tick: TimeInterval = 15
    /// How long a shutdown waits for running jobs before stopping them safely.
    public var shutdownGrace: TimeInterval = 30
    /// A running job whose instance has not renewed its heartbeat for this long is taken over by another
    /// (`PLAYKEEPER_JOB_LEASE`); the heartbeat comes every quarter of it.
    public var jobLease: TimeInterval = 120

    public init() {}

    /// Reads `HOST`, `PORT`, `PLAYKEEPER_PUBLIC_URL`, `PLAYKEEPER_SYNC_INTERVAL`, `PLAYKEEPER_PLAYS_INTERVAL`,
    /// `PLAYKEEPER_SMART_INTERVAL`, `PLAYKEEPER_SCHEDULER_TICK` and `PLAYKEEPER_JOB_LEASE`; a bad value names its
    /// variable.
    public static func fromEnvironment(_ environment: [String: String]) throws -> ServerSettings {
        var settings = ServerSettings()
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if let host = value("HOST") { settings.host = host }
        if let text = value("PORT") {
            guard let port = NumericInput.integer(text, in: 1...65_535) else {
                throw ConfigurationError.invalid("PORT", "'\(text)' is not a port number (1-65535)")
            }
            settings.port = port
        }
        if let text = value("PLAYKEEPER_PUBLIC_URL") {
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
                url.host != nil, url.query == nil
            else {
                throw ConfigurationError.invalid(
                    "PLAYKEEPER_PUBLIC_URL", "'\(text)' is not an http(s) address like https://music.example.org")
            }
            var trimmed = url.absoluteString
            while trimmed.hasSuffix("/") { trimmed.removeLast() }
            settings.publicURL = URL(string: trimmed)
        }
        // Each duration setting: its variable, its range, and how the error describes the range.
        func duration(_ name: String, in range: ClosedRange<TimeInterval>, _ described: String) throws -> TimeInterval? {
            guard let text = value(name) else { return nil }
            guard let seconds = Self.duration(text), range.contains(seconds) else {
                throw ConfigurationError.invalid(name, "'\(NumericInput.shown(text))' is not a duration \(described)")
            }
            return seconds
        }
        if let seconds = try duration(
            "PLAYKEEPER_SYNC_INTERVAL", in: 60...Self.longestInterval, "from a minute to 30 days, like 3600, 90m or 6h")
        {
            settings.syncInterval = seconds
        }
        if let seconds = try duration(
            "PLAYKEEPER_PLAYS_INTERVAL", in: Self.playsIntervals, "from a minute to a day, like 1200, 20m or 1h")
        {
            settings.playsInterval = seconds
        }
        if let seconds = try duration(
            "PLAYKEEPER_SMART_INTERVAL", in: 60...Self.longestInterval, "from a minute to 30 days, like 3600, 90m or 6h")
        {
            settings.smartInterval = seconds
        }
        if let seconds = try duration("PLAYKEEPER_SCHEDULER_TICK", in: Self.ticks, "from 1 to 60 seconds") {
            settings.tick = seconds
        }
        if let seconds = try duration("PLAYKEEPER_JOB_LEASE", in: Self.leases, "from 4 seconds to an hour") {
            settings.jobLease = seconds
        }
        return settings
    }

    /// The intervals `PLAYKEEPER_PLAYS_INTERVAL` takes: Spotify keeps 50 plays, a day of listening for many.
    static let playsIntervals: ClosedRange<TimeInterval> = 60...86_400
    /// The scheduler's ticks `PLAYKEEPER_SCHEDULER_TICK` takes.
    static let ticks: ClosedRange<TimeInterval> = 1...60
    /// The job leases `PLAYKEEPER_JOB_LEASE` takes: a heartbeat each quarter, at least a second apart.
    static let leases: ClosedRange<TimeInterval> = 4...3600

    /// The longest interval a duration setting takes.
    static let longestInterval: TimeInterval = 30 * 86_400

    /// `3600`, `90s`, `30m` or `6h`, in seconds; nil for anything that is not a finite, non-negative duration
    /// (`1e309`, `nan`, `-5m`).
    static func duration(_ text: String) -> TimeInterval? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        var number = Substring(text)
        var unit = 1.0
        if let last = text.last, let scale = units[last] {
            number = text.dropLast()
            unit = scale
        }
        // A count of units past the longest interval is past it in seconds too; bounded, the product stays finite.
        guard let value = NumericInput.decimal(String(number), in: 0...Self.longestInterval) else { return nil }
        return value * unit
    }

    /// The address people use: the public URL, or the listening address.
    public var baseURL: URL { publicURL ?? URL(string: "http://\(host.contains(":") ? "[\(host)]" : host):\(port)")! }

    /// `scheme://host[:port]`, for same-origin checks.
    public var origin: String {
        var components = URLComponents(url: baseURL, resolvingAgainstBaseURL: false)!
        components.path = ""
        return components.string ?? baseURL.absoluteString
    }

    /// Cookies carry the Secure flag when people reach the service over HTTPS.
    public var secureCookies: Bool { baseURL.scheme?.lowercased() == "https" }

    /// The Spotify configuration, with the redirect URI this service answers: `PLAYKEEPER_PUBLIC_URL/callback`,
    /// else `SPOTIFY_REDIRECT_URI`, else `http://HOST:PORT/callback`.
    public func spotifyConfiguration(_ environment: [String: String]) throws -> SpotifyConfiguration {
        var environment = environment
        if publicURL != nil || environment["SPOTIFY_REDIRECT_URI"].map(\.isEmpty) ?? true {
            environment["SPOTIFY_REDIRECT_URI"] = baseURL.appendingPathComponent("callback").absoluteString
        }
        return try SpotifyConfiguration.fromEnvironment(environment)
    }
}
