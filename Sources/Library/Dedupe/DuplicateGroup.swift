import Crypto
import Foundation

/// Entries of one playlist that are the same song, the copy that stays, and why.
public struct DuplicateGroup: Sendable, Equatable, Codable {
    /// Stable across runs while the group's songs are the same, so a person can apply some groups and not others.
    public var id: String
    /// The strictest rule that ties the whole group together.
    public var rule: MatchLevel
    /// The position of the copy that stays.
    public var kept: Int
    /// Why that copy stays, for people.
    public var keptBecause: String
    /// The positions of the copies that would go.
    public var removed: [Int]
    /// Copies found that are never removed (local files; unavailable entries), with the reason.
    public var leftAlone: [Int]
    /// One sentence per group for the preview.
    public var explanation: String

    enum CodingKeys: String, CodingKey {
        case id, rule, kept, keptBecause = "kept_because", removed, leftAlone = "left_alone", explanation
    }

    /// A stable id: the rule and the sorted distinct URIs of the group, hashed.
    static func id(rule: MatchLevel, uris: [String]) -> String {
        let key = rule.rawValue + "|" + Set(uris).sorted().joined(separator: "|")
        return Hex.string(SHA256.hash(data: Data(key.utf8)).prefix(6))
    }
}

/// A pair a person said is not a duplicate; it is never grouped again.
public struct IgnoredPair: Sendable, Hashable, Codable {
    public let first: String
    public let second: String

    /// The pair in a fixed order, whichever way round it was given.
    public init(_ a: String, _ b: String) {
        (first, second) = a < b ? (a, b) : (b, a)
    }
}
