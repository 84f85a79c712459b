import Foundation

/// The playlists Playkeeper offers from listening. Each is a rule (`rule`), off until the person turns it on.
public enum SmartBuiltIn: Sendable, Hashable {
    /// The 50 songs played most in the last 30 days, ranked.
    case onRepeat
    /// Songs played at least 5 times whose last play is more than 90 days ago, ranked by those plays.
    case forgottenFavourites
    /// Songs in the person's own playlists never played since the history began, in the order they were added.
    case neverPlayed
    /// Songs first played in the last 30 days, newest first.
    case discovered
    /// A calendar year's 100 most-played songs, ranked.
    case topSongs(year: Int)

    /// The ones always offered; `topSongs` is made on request for a year the history covers.
    public static let offered: [SmartBuiltIn] = [.onRepeat, .forgottenFavourites, .neverPlayed, .discovered]

    /// `on-repeat`, `forgotten-favourites`, `never-played`, `discovered`, `top-2025`.
    public var key: String {
        switch self {
        case .onRepeat: "on-repeat"
        case .forgottenFavourites: "forgotten-favourites"
        case .neverPlayed: "never-played"
        case .discovered: "discovered"
        case .topSongs(let year): "top-\(year)"
        }
    }

    public init?(key: String) {
        if let found = Self.offered.first(where: { $0.key == key }) {
            self = found
        } else if key.hasPrefix("top-"), let year = Int(key.dropFirst(4)), (1900...9999).contains(year) {
            self = .topSongs(year: year)
        } else {
            return nil
        }
    }

    /// The playlist's name in Spotify.
    public var name: String {
        switch self {
        case .onRepeat: "On repeat"
        case .forgottenFavourites: "Forgotten favourites"
        case .neverPlayed: "Never played"
        case .discovered: "Discovered"
        case .topSongs(let year): "Top songs \(year)"
        }
    }

    /// What it holds, in a sentence (the page, `smart list`, the playlist's description).
    public var summary: String {
        switch self {
        case .onRepeat: "The 50 songs you played most in the last 30 days, most played first."
        case .forgottenFavourites: "Songs you played at least 5 times but not in the last 90 days, most played first."
        case .neverPlayed: "Songs in your own playlists you have never played, in the order you added them."
        case .discovered: "Songs you first played in the last 30 days, newest first."
        case .topSongs(let year): "Your 100 most-played songs of \(year), most played first."
        }
    }

    public var rule: SmartRule {
        switch self {
        case .onRepeat:
            SmartRule(sources: [.history], window: "30d", minPlays: 1, order: .plays, limit: 50)
        case .forgottenFavourites:
            SmartRule(sources: [.history], window: "all", minPlays: 5, notPlayedForDays: 90, order: .plays, limit: 100)
        case .neverPlayed:
            SmartRule(
                sources: [.allPlaylists], window: "all", maxPlays: 0, skipped: .none, order: .sources,
                limit: SmartRule.maximumLimit)
        case .discovered:
            SmartRule(
                sources: [.history], window: "30d", minPlays: 1, newInWindow: true, order: .firstPlayed, ranked: false,
                limit: 500)
        case .topSongs(let year):
            SmartRule(
                sources: [.history], window: String(year), minPlays: 1,
                order: .plays, limit: 100)
        }
    }
}
