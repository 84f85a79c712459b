import ArgumentParser
import Library

/// The flags that write a rule (`smart add`, `smart preview` without a key).
struct SmartRuleOptions: ParsableArguments {
    @Option(
        parsing: .upToNextOption,
        help: "Where songs come from: history (default), liked, all-playlists, or playlists by id, URI, URL or name.")
    var from: [String] = []
    @Option(help: "Nd (the last N days), 1y, all, or FROM..TO (default 30d).")
    var window: String?
    @Option(name: .customLong("min-plays"), help: "At least this many plays in the window.")
    var minPlays: Int?
    @Option(name: .customLong("max-plays"), help: "At most this many plays in the window (0: never played in it).")
    var maxPlays: Int?
    @Option(name: .customLong("min-ms-played"), help: "A play counts from this many milliseconds (default: the service's 30 s).")
    var minMSPlayed: Int?
    @Option(name: .customLong("not-played-for"), help: "Only songs not played for this many days.")
    var notPlayedFor: Int?
    @Option(help: "any (default), only (skipped at least once in the window) or none (never skipped).")
    var skipped: String?
    @Flag(name: .customLong("new"), help: "Only songs first played in the window.")
    var newInWindow = false
    @Option(name: .customLong("exclude-artist"), help: "Leave this artist's songs out (repeatable).")
    var excludeArtists: [String] = []
    @Option(name: .customLong("exclude-playlist"), help: "Leave the songs of this playlist out (repeatable).")
    var excludePlaylists: [String] = []
    @Option(help: "plays (default), listened, last-played, first-played or sources.")
    var order: String?
    @Flag(help: "Only add and remove songs, never reorder (the default for --order sources).")
    var unranked = false
    @Option(help: "The most songs, 1 to 10000 (default 50).")
    var limit: Int?
    @Option(help: "One copy per song at exact (default), recording or similar.")
    var match: String?

    /// Whether any rule flag was given.
    var isEmpty: Bool { input == SmartRuleInput() }

    var input: SmartRuleInput {
        SmartRuleInput(
            from: from, window: window, minPlays: minPlays, maxPlays: maxPlays, minMSPlayed: minMSPlayed,
            notPlayedFor: notPlayedFor, skipped: skipped, newInWindow: newInWindow ? true : nil,
            excludeArtists: excludeArtists, excludePlaylists: excludePlaylists, order: order,
            ranked: unranked ? false : nil, limit: limit, match: match)
    }

    /// The flags' checks that need no store: numbers in range, choices known.
    func checked() throws -> SmartRuleInput {
        _ = try NumericInput.option(limit, "--limit", in: 1...SmartRule.maximumLimit)
        for (flag, value) in [
            ("--min-plays", minPlays), ("--max-plays", maxPlays), ("--min-ms-played", minMSPlayed),
            ("--not-played-for", notPlayedFor),
        ] {
            _ = try NumericInput.option(value, flag, in: 0...1_000_000_000)
        }
        return input
    }
}
