import Foundation
import PlaykeeperJSON

/// The dials tests and benchmarks turn. Every field is optional in the admin API's PATCH body.
public struct EmulatorKnobs: Codable, Sendable, Equatable {
    /// How long every Web API and token request takes, in milliseconds, as a client sees it: see `Latency`.
    public var latencyMS: Int = 0
    /// Requests allowed per rolling 30 s window, for the whole app; `nil` is unlimited. Past it: 429 + Retry-After.
    public var rateLimit: Int?
    /// Total Web API requests allowed; past it every request gets a 429 with `"reason": "QUOTA_EXCEEDED"`.
    public var quota: Int?
    /// Fraction (0–1) of Web API requests answered with a 5xx before they are applied.
    public var faultRate: Double = 0
    /// Fraction (0–1) of writes that are applied and then answered with a 5xx anyway.
    public var faultAfterWriteRate: Double = 0
    /// Lifetime of access tokens, in seconds.
    public var accessTokenLifetime: Int = 3600
    /// Lifetime of refresh tokens from the user's authorization, in seconds (6 months by default).
    public var refreshTokenLifetime: Int = 15_552_000
    /// `false` is Development Mode (the default); `true` serves the old paths and deprecated fields too.
    public var extendedMode: Bool = false
    /// Holds every write after this many (counted from when the knob is set) before it is applied, until the
    /// held writes are released: a client stuck at a write boundary, to be killed there. `nil` holds none; setting
    /// it to `nil` drops the held writes unapplied (503).
    public var holdWritesAfter: Int?
    /// Applies the k-th write (counted from when the knob is set) and withholds its reply until released: a client
    /// whose write landed but whose answer never came, to be killed there. Setting it to `nil` answers a withheld
    /// reply with a 502.
    public var withholdReplyOfWrite: Int?
    /// The most entries a playlist holds (Spotify's is 10,000); lower it to reach the cap with a small library.
    public var playlistCap: Int = 10_000

    public init() {}

    enum CodingKeys: String, CodingKey {
        case latencyMS = "latency_ms", rateLimit = "rate_limit", quota, faultRate = "fault_rate"
        case faultAfterWriteRate = "fault_after_write_rate", accessTokenLifetime = "access_token_lifetime"
        case refreshTokenLifetime = "refresh_token_lifetime", extendedMode = "extended_mode"
        case holdWritesAfter = "hold_writes_after", withholdReplyOfWrite = "withhold_reply_of_write"
        case playlistCap = "playlist_cap"
    }

    /// Applies a partial update; `null` clears an optional knob.
    mutating func apply(_ patch: [String: JSONValue]) throws {
        for (key, value) in patch {
            guard let knob = CodingKeys(rawValue: key) else { throw EmulatorError.badRequest("unknown knob '\(key)'") }
            switch knob {
            case .latencyMS: latencyMS = try Self.int(value, key, min: 0) ?? 0
            case .rateLimit: rateLimit = try Self.int(value, key, min: 1)
            case .quota: quota = try Self.int(value, key, min: 0)
            case .faultRate: faultRate = try Self.fraction(value, key)
            case .faultAfterWriteRate: faultAfterWriteRate = try Self.fraction(value, key)
            case .accessTokenLifetime: accessTokenLifetime = try Self.int(value, key, min: 1) ?? 3600
            case .refreshTokenLifetime: refreshTokenLifetime = try Self.int(value, key, min: 1) ?? 15_552_000
            case .holdWritesAfter: holdWritesAfter = try Self.int(value, key, min: 0)
            case .withholdReplyOfWrite: withholdReplyOfWrite = try Self.int(value, key, min: 1)
            case .playlistCap: playlistCap = try Self.int(value, key, min: 1) ?? 10_000
            case .extendedMode:
                guard let flag = value.boolValue else { throw EmulatorError.badRequest("\(key) must be true or false") }
                extendedMode = flag
            }
        }
    }

    private static func int(_ value: JSONValue, _ key: String, min: Int) throws -> Int? {
        if value.isNull { return nil }
        guard let number = value.intValue, number >= min, value.doubleValue != nil else {
            throw EmulatorError.badRequest("\(key) must be a whole number of at least \(min), or null")
        }
        return number
    }

    private static func fraction(_ value: JSONValue, _ key: String) throws -> Double {
        if value.isNull { return 0 }
        guard let number = value.doubleValue, (0...1).contains(number) else {
            throw EmulatorError.badRequest("\(key) must be a number from 0 to 1")
        }
        return number
    }
}

/// Errors of the admin API and of the emulator's setup.
public enum EmulatorError: Error, CustomStringConvertible {
    case badRequest(String)
    case notFound(String)

    public var description: String {
        switch self {
        case .badRequest(let detail): detail
        case .notFound(let detail): detail
        }
    }
}
