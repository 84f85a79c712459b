import Foundation

/// What a playlist made from listening holds: where its songs come from, over which time, which of them, in what
/// order and how many. Built-ins are rules too (`SmartBuiltIn`); one engine evaluates all of them
/// (`SmartRule.evaluate`), and the stored rule is this value as JSON.
public struct SmartRule: Codable, Sendable, Equatable {
    /// Where candidate songs come from.
    public enum Source: Codable, Sendable, Hashable {
        /// Every song played in the window.
        case history
        /// The entries of one of the person's playlists, by Spotify id (a smart playlist only when named so).
        case playlist(String)
        /// Liked Songs.
        case liked
        /// Every playlist the person owns, never one Playkeeper keeps.
        case allPlaylists

        /// `history`, `liked`, `all-playlists`, or a playlist's Spotify id.
        public var text: String {
            switch self {
            case .history: "history"
            case .liked: "liked"
            case .allPlaylists: "all-playlists"
            case .playlist(let id): id
            }
        }

        public init(text: String) {
            switch text {
            case "history": self = .history
            case "liked": self = .liked
            case "all-playlists": self = .allPlaylists
            default: self = .playlist(text)
            }
        }

        public init(from decoder: any Decoder) throws { self.init(text: try decoder.singleValueContainer().decode(String.self)) }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(text)
        }
    }

    /// How the songs are ordered: the first four rank them (a ranked playlist ends in this order after every
    /// update); `sources` keeps the order in which they were added to the sources.
    public enum Order: String, Codable, Sendable, CaseIterable {
        /// Most plays in the window first.
        case plays
        /// Most time listened in the window first.
        case listened
        /// Most recently played first.
        case lastPlayed = "last-played"
        /// Most recently discovered (first play of all) first.
        case firstPlayed = "first-played"
        /// Earliest added to a source first.
        case sources
    }

    /// Whether songs skipped in the window are wanted.
    public enum Skips: String, Codable, Sendable, CaseIterable {
        case any
        /// Only songs skipped at least once.
        case only
        /// Only songs never skipped.
        case none
    }

    public var sources: [Source]
    /// `Nd` (the last N days, today included), `1y`, `all`, a year (`2025`), or `FROM..TO` (whole days, UTC).
    public var window: String
    /// Counted plays in the window, at least and at most.
    public var minPlays: Int?
    public var maxPlays: Int?
    /// The shortest play that counts for this rule, in milliseconds (plays shorter than this are skips); nil for
    /// the store's `PLAYKEEPER_COUNTS_AFTER`.
    public var minMSPlayed: Int?
    public var skipped: Skips
    /// Only songs whose last play of all is at least this many days ago.
    public var notPlayedForDays: Int?
    /// Only songs whose first play of all is in the window.
    public var newInWindow: Bool
    /// Songs by these artists (any of their artists, case-insensitive) are left out.
    public var excludeArtists: [String]
    /// Songs in these playlists (Spotify ids) are left out.
    public var excludePlaylists: [String]
    public var order: Order
    /// Whether the playlist is kept in `order` (ranked), or only gains and loses songs (new ones at the end).
    public var ranked: Bool
    public var limit: Int
    /// One copy per song at this level.
    public var match: MatchLevel

    /// The most songs a rule may hold: Spotify's cap on a playlist.
    public static let maximumLimit = 10_000

    public init(
        sources: [Source], window: String = "all", minPlays: Int? = nil, maxPlays: Int? = nil, minMSPlayed: Int? = nil,
        skipped: Skips = .any, notPlayedForDays: Int? = nil, newInWindow: Bool = false, excludeArtists: [String] = [],
        excludePlaylists: [String] = [], order: Order = .plays, ranked: Bool? = nil, limit: Int = 100,
        match: MatchLevel = .exact
    ) {
        self.sources = sources
        self.window = window
        self.minPlays = minPlays
        self.maxPlays = maxPlays
        self.minMSPlayed = minMSPlayed
        self.skipped = skipped
        self.notPlayedForDays = notPlayedForDays
        self.newInWindow = newInWindow
        self.excludeArtists = excludeArtists
        self.excludePlaylists = excludePlaylists
        self.order = order
        self.ranked = ranked ?? (order != .sources)
        self.limit = limit
        self.match = match
    }

    /// Reads a stored or posted rule; absent fields take their defaults.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let order = try c.decodeIfPresent(Order.self, forKey: .order) ?? .plays
        self.init(
            sources: try c.decodeIfPresent([Source].self, forKey: .sources) ?? [.history],
            window: try c.decodeIfPresent(String.self, forKey: .window) ?? "all",
            minPlays: try c.decodeIfPresent(Int.self, forKey: .minPlays),
            maxPlays: try c.decodeIfPresent(Int.self, forKey: .maxPlays),
            minMSPlayed: try c.decodeIfPresent(Int.self, forKey: .minMSPlayed),
            skipped: try c.decodeIfPresent(Skips.self, forKey: .skipped) ?? .any,
            notPlayedForDays: try c.decodeIfPresent(Int.self, forKey: .notPlayedForDays),
            newInWindow: try c.decodeIfPresent(Bool.self, forKey: .newInWindow) ?? false,
            excludeArtists: try c.decodeIfPresent([String].self, forKey: .excludeArtists) ?? [],
            excludePlaylists: try c.decodeIfPresent([String].self, forKey: .excludePlaylists) ?? [],
            order: order, ranked: try c.decodeIfPresent(Bool.self, forKey: .ranked),
            limit: try c.decodeIfPresent(Int.self, forKey: .limit) ?? 100,
            match: try c.decodeIfPresent(MatchLevel.self, forKey: .match) ?? .exact)
    }

    /// The playlists the rule names (sources and exclusions), by Spotify id.
    public var namedPlaylists: [String] {
        sources.compactMap { if case .playlist(let id) = $0 { id } else { nil } } + excludePlaylists
    }

    // MARK: Checking

    /// The window as a period. `Nd` is the last N days with today and `YYYY` a calendar year; the others are
    /// `ListeningPeriod`'s.
    public func period(now: Date) throws -> ListeningPeriod {
        let text = window.trimmingCharacters(in: .whitespaces)
        if text.hasSuffix("d"), let days = Int(text.dropLast()), !["7d", "30d", "90d"].contains(text) {
            guard (1...36_500).contains(days) else {
                throw PlaykeeperError(.invalid, "window: \(text) is empty or too long; use 1d to 36500d")
            }
            let today = RollupRanges.date(ofDay: RollupRanges.day(of: now))
            return ListeningPeriod(
                from: today.addingTimeInterval(-Double(days - 1) * 86_400), to: nil, label: "the last \(days) days")
        }
        if text.count == 4, let year = Int(text), (1900...9999).contains(year) {
            let first = RollupRanges.day(label: String(format: "%04d-01-01", year))!
            let next = RollupRanges.day(label: String(format: "%04d-01-01", year + 1))!
            return ListeningPeriod(from: RollupRanges.date(ofDay: first), to: RollupRanges.date(ofDay: next), label: text)
        }
        return try ListeningPeriod.parse(text, now: now, field: "window")
    }

    /// Refuses a rule that cannot mean anything: no source, an empty window, a limit outside 1…10,000, negative or
    /// crossed bounds, or a playlist the mirror does not know (`known`: the person's playlists by Spotify id).
    public func validate(now: Date, known: Set<String>) throws {
        guard !sources.isEmpty else { throw PlaykeeperError(.invalid, "from: name at least one source") }
        let period = try period(now: now)
        if let from = period.from, let to = period.to, from >= to {
            throw PlaykeeperError(.invalid, "window: \(window) is empty")
        }
        guard (1...Self.maximumLimit).contains(limit) else {
            throw PlaykeeperError(.invalid, "limit: \(limit) is not between 1 and \(Self.maximumLimit)")
        }
        for (name, value) in [
            ("min-plays", minPlays), ("max-plays", maxPlays), ("min-ms-played", minMSPlayed),
            ("not-played-for", notPlayedForDays),
        ] {
            if let value, !(0...1_000_000_000).contains(value) {
                throw PlaykeeperError(.invalid, "\(name): \(value) is not between 0 and 1000000000")
            }
        }
        if let minPlays, let maxPlays, minPlays > maxPlays {
            throw PlaykeeperError(.invalid, "min-plays \(minPlays) is over max-plays \(maxPlays): no song could match")
        }
        if let unknown = namedPlaylists.first(where: { !known.contains($0) }) {
            throw PlaykeeperError(.invalid, "no playlist \(unknown) in your mirrored library; sync, or name another")
        }
    }
}
