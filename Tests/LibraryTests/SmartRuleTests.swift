import Foundation
import Testing

@testable import Library

/// Rules as pure functions of (history, mirror, now): the built-ins on a hand-made history, each filter and order,
/// the checks with their messages, and random rules held to what they promise.
struct SmartRuleTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)  // 2026-11-30, 00:53 UTC
    static func daysAgo(_ days: Double) -> Date { now.addingTimeInterval(-days * 86_400) }
    static func uri(_ name: String) -> String { "spotify:track:\(name)" }
    static func figures(_ plays: Int, skips: Int = 0, first: Double, last: Double) -> SmartInput.Figures {
        SmartInput.Figures(
            plays: plays, skips: skips, listenedMS: plays * 200_000, firstAt: daysAgo(first), lastAt: daysAgo(last))
    }

    /// The rule's songs; and its URIs alone (what a due check reads) are always those songs'.
    static func run(_ rule: SmartRule, _ input: SmartInput) throws -> [SmartSong] {
        try rule.validate(now: now, known: Set(input.playlists.map(\.id)))
        let period = try rule.period(now: now)
        let songs = rule.evaluate(input, period: period, now: now)
        #expect(rule.uris(input, period: period, now: now) == songs.map(\.uri))
        return songs
    }

    @Test func onRepeatRanksTheLastThirtyDaysByPlaysAndTakesFifty() throws {
        var window: [String: SmartInput.Figures] = [:]
        for index in 0..<60 { window[Self.uri("s\(index)")] = Self.figures(100 - index, first: 29, last: 1) }
        window[Self.uri("skipped")] = Self.figures(0, skips: 4, first: 2, last: 2)
        let songs = try Self.run(SmartBuiltIn.onRepeat.rule, SmartInput(window: window, allTime: window))
        #expect(songs.map(\.uri) == (0..<50).map { Self.uri("s\($0)") })
        #expect(songs.first?.reason == "100 plays in the last 30 days")
        #expect(SmartBuiltIn.onRepeat.rule.ranked)
    }

    @Test func forgottenFavouritesAreOftenPlayedAndNotLately() throws {
        let all = [
            Self.uri("old-favourite"): Self.figures(9, first: 400, last: 120),
            Self.uri("older-favourite"): Self.figures(12, first: 500, last: 300),
            Self.uri("still-played"): Self.figures(30, first: 400, last: 3),
            Self.uri("rarely"): Self.figures(4, first: 400, last: 200),
        ]
        let songs = try Self.run(SmartBuiltIn.forgottenFavourites.rule, SmartInput(window: all, allTime: all))
        #expect(songs.map(\.uri) == [Self.uri("older-favourite"), Self.uri("old-favourite")])
        #expect(songs.last?.reason.hasPrefix("9 plays, the last on 2026-") == true)
    }

    @Test func neverPlayedTakesOwnPlaylistsSongsWithoutAPlayInTheOrderAdded() throws {
        let all = [
            Self.uri("played"): Self.figures(3, first: 10, last: 5),
            Self.uri("skipped"): Self.figures(0, skips: 1, first: 9, last: 9),
        ]
        let playlists = [
            SmartInput.Playlist(
                id: "road", name: "Road trip",
                entries: [
                    (Self.uri("b"), Self.daysAgo(50)), (Self.uri("played"), Self.daysAgo(60)), (Self.uri("a"), Self.daysAgo(70)),
                    ("spotify:episode:e", Self.daysAgo(80)), (Self.uri("skipped"), Self.daysAgo(90)),
                ]),
            SmartInput.Playlist(id: "theirs", name: "A friend's", entries: [(Self.uri("c"), Self.daysAgo(100))], isOwn: false),
            SmartInput.Playlist(id: "liked", name: "Liked Songs", entries: [(Self.uri("d"), Self.daysAgo(100))], isLiked: true),
            SmartInput.Playlist(id: "gym", name: "Gym", entries: [(Self.uri("b"), Self.daysAgo(65)), (Self.uri("e"), nil)]),
        ]
        let songs = try Self.run(SmartBuiltIn.neverPlayed.rule, SmartInput(window: all, allTime: all, playlists: playlists))
        // b counts from Gym, where it was added first; an entry without a date comes after those with one.
        #expect(songs.map(\.uri) == [Self.uri("a"), Self.uri("b"), Self.uri("e")])
        #expect(songs[1].reason == "never played; in Gym since 2026-09-26")
        #expect(!SmartBuiltIn.neverPlayed.rule.ranked)
    }

    @Test func discoveredIsWhatWasFirstPlayedInTheWindowNewestFirst() throws {
        let all = [
            Self.uri("new"): Self.figures(2, first: 3, last: 1),
            Self.uri("newer"): Self.figures(1, first: 1, last: 1),
            Self.uri("old-again"): Self.figures(8, first: 40, last: 2),
        ]
        var window = all
        window[Self.uri("old-again")] = Self.figures(1, first: 2, last: 2)
        let songs = try Self.run(SmartBuiltIn.discovered.rule, SmartInput(window: window, allTime: all))
        #expect(songs.map(\.uri) == [Self.uri("newer"), Self.uri("new")])
        #expect(songs[0].reason == "first played on 2026-11-29")
        #expect(!SmartBuiltIn.discovered.rule.ranked)
    }

    @Test func topSongsOfAYearIsThatCalendarYear() throws {
        let rule = SmartBuiltIn.topSongs(year: 2025).rule
        let period = try rule.period(now: Self.now)
        #expect(period.fromDay == RollupRanges.day(label: "2025-01-01"))
        #expect(period.toDay == RollupRanges.day(label: "2026-01-01"))
        #expect(rule.limit == 100 && rule.ranked)
        #expect(period.label == "2025")
        let window = [Self.uri("y"): Self.figures(7, first: 400, last: 380)]
        #expect(
            rule.evaluate(SmartInput(window: window, allTime: window), period: period, now: Self.now).first?.reason
                == "7 plays in 2025")
        let range = SmartRule(sources: [.history], window: "2026-01-01..2026-03-31")
        #expect(
            range.evaluate(SmartInput(window: window, allTime: window), period: try range.period(now: Self.now), now: Self.now)
                .first?.reason == "7 plays from 2026-01-01 to 2026-03-31")
        #expect(SmartBuiltIn(key: "top-2025") == .topSongs(year: 2025))
        #expect(SmartBuiltIn(key: "top-twenty") == nil)
        for builtIn in SmartBuiltIn.offered { #expect(SmartBuiltIn(key: builtIn.key) == builtIn) }
    }

    @Test func filtersExcludeByPlaysSkipsArtistsAndPlaylists() throws {
        let window = [
            Self.uri("a"): Self.figures(5, first: 9, last: 1), Self.uri("b"): Self.figures(3, skips: 2, first: 9, last: 1),
            Self.uri("c"): Self.figures(8, first: 9, last: 1), Self.uri("d"): Self.figures(1, first: 9, last: 1),
            Self.uri("e"): Self.figures(6, first: 9, last: 1),
        ]
        let input = SmartInput(
            window: window, allTime: window,
            playlists: [SmartInput.Playlist(id: "chill", name: "Chill", entries: [(Self.uri("e"), nil)])],
            songs: [Self.uri("c"): .init(name: "C", artists: ["The Band"])])
        var rule = SmartRule(sources: [.history], window: "7d", minPlays: 2, maxPlays: 7)
        #expect(try Self.run(rule, input).map(\.uri) == [Self.uri("e"), Self.uri("a"), Self.uri("b")])
        rule.skipped = .none
        rule.excludePlaylists = ["chill"]
        rule.excludeArtists = ["the band"]
        rule.maxPlays = nil
        #expect(try Self.run(rule, input).map(\.uri) == [Self.uri("a")])
        rule = SmartRule(sources: [.history], window: "7d", skipped: .only)
        #expect(try Self.run(rule, input).map(\.uri) == [Self.uri("b")])
        rule = SmartRule(sources: [.history], window: "7d", limit: 2)
        #expect(try Self.run(rule, input).map(\.uri) == [Self.uri("c"), Self.uri("e")])
    }

    /// Songs added at the same moment to different playlists go by their positions in those playlists, not by where
    /// they stand among the entries the database handed over.
    @Test func equalAddingTimesGoByPositionInThePlaylist() throws {
        let added = Self.daysAgo(40)
        let input = SmartInput(
            window: [:], allTime: [:],
            playlists: [
                SmartInput.Playlist(id: "a", name: "A", placed: [.init(uri: Self.uri("aaa"), addedAt: added, position: 7)]),
                SmartInput.Playlist(
                    id: "b", name: "B",
                    placed: [
                        .init(uri: Self.uri("zzz"), addedAt: added, position: 2),
                        .init(uri: Self.uri("x"), addedAt: nil, position: 9),
                    ]),
            ])
        let rule = SmartRule(sources: [.allPlaylists], window: "all", maxPlays: 0, order: .sources)
        // (By the URI, which breaks the last ties, "aaa" would come first.)
        #expect(try Self.run(rule, input).map(\.uri) == [Self.uri("zzz"), Self.uri("aaa"), Self.uri("x")])
    }

    @Test func oneCopyPerSongAtTheMatchLevel() throws {
        let window = [
            Self.uri("single"): Self.figures(5, first: 9, last: 1), Self.uri("album"): Self.figures(4, first: 9, last: 1),
        ]
        let songs = [
            Self.uri("single"): SmartInput.Song(name: "Song", artists: ["A"], isrc: "USX1"),
            Self.uri("album"): SmartInput.Song(name: "Song", artists: ["A"], isrc: "usx1"),
        ]
        var rule = SmartRule(sources: [.history], window: "7d")
        let input = SmartInput(window: window, allTime: window, songs: songs)
        #expect(try Self.run(rule, input).count == 2)
        rule.match = .recording
        #expect(try Self.run(rule, input).map(\.uri) == [Self.uri("single")])
    }

    @Test func badRulesAreRefusedWithWhatIsWrong() {
        func refusal(_ rule: SmartRule) -> String? {
            do {
                try rule.validate(now: Self.now, known: ["mine"])
                return nil
            } catch let error as PlaykeeperError {
                #expect(error.kind == .invalid)
                return error.message
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal(SmartRule(sources: [])) == "from: name at least one source")
        #expect(refusal(SmartRule(sources: [.history], limit: 10_001)) == "limit: 10001 is not between 1 and 10000")
        #expect(refusal(SmartRule(sources: [.history], limit: 0)) == "limit: 0 is not between 1 and 10000")
        #expect(refusal(SmartRule(sources: [.playlist("gone")]))?.contains("no playlist gone") == true)
        #expect(refusal(SmartRule(sources: [.history], excludePlaylists: ["gone"]))?.contains("no playlist gone") == true)
        #expect(refusal(SmartRule(sources: [.history], window: "0d"))?.hasPrefix("window: 0d is empty") == true)
        #expect(refusal(SmartRule(sources: [.history], window: "2026-03-01..2026-02-01"))?.contains("comes after") == true)
        #expect(refusal(SmartRule(sources: [.history], window: "lately"))?.hasPrefix("window is") == true)
        #expect(refusal(SmartRule(sources: [.history], minPlays: 5, maxPlays: 2))?.contains("no song could match") == true)
        #expect(refusal(SmartRule(sources: [.history], minPlays: -1)) == "min-plays: -1 is not between 0 and 1000000000")
        #expect(refusal(SmartRule(sources: [.playlist("mine"), .liked], window: "45d")) == nil)
    }

    @Test func aStoredRuleReadsBackAndMissingFieldsTakeDefaults() throws {
        let rule = SmartRule(
            sources: [.history, .playlist("abc"), .allPlaylists], window: "45d", minPlays: 2, skipped: .none,
            excludeArtists: ["X"], order: .lastPlayed, limit: 30, match: .similar)
        let data = try JSONEncoder().encode(rule)
        #expect(try JSONDecoder().decode(SmartRule.self, from: data) == rule)
        let sparse = try JSONDecoder().decode(SmartRule.self, from: Data(#"{"order": "sources"}"#.utf8))
        #expect(sparse.sources == [.history] && sparse.limit == 100 && !sparse.ranked && sparse.window == "all")
    }

    /// Random rules over random histories: every song taken passes the filters, the order holds, nothing passing is
    /// left out unless the limit is reached, and no song is taken twice.
    @Test func randomRulesKeepTheirPromises() throws {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var window: [String: SmartInput.Figures] = [:]
            var all: [String: SmartInput.Figures] = [:]
            for index in 0..<Int.random(in: 0...40, using: &random) {
                let first = Double.random(in: 0...400, using: &random)
                let last = Double.random(in: 0...first, using: &random)
                let plays = Int.random(in: 0...12, using: &random)
                all[Self.uri("\(index)")] = Self.figures(
                    plays + 3, skips: Int.random(in: 0...2, using: &random), first: first, last: last)
                if last < 30 {
                    window[Self.uri("\(index)")] = Self.figures(
                        plays, skips: Int.random(in: 0...1, using: &random), first: min(first, 29), last: last)
                }
            }
            let playlist = SmartInput.Playlist(
                id: "p", name: "P",
                entries: (0..<Int.random(in: 0...30, using: &random)).map { _ in
                    (
                        Self.uri("\(Int.random(in: 0...60, using: &random))"),
                        Self.daysAgo(Double.random(in: 0...900, using: &random))
                    )
                })
            let rule = SmartRule(
                sources: [[.history], [.playlist("p")], [.history, .playlist("p")]].randomElement(using: &random)!,
                window: "30d", minPlays: [nil, 0, 2, 5].randomElement(using: &random)!,
                maxPlays: [nil, 0, 8].randomElement(using: &random)!,
                skipped: SmartRule.Skips.allCases.randomElement(using: &random)!,
                notPlayedForDays: [nil, 10].randomElement(using: &random)!,
                order: SmartRule.Order.allCases.randomElement(using: &random)!,
                limit: Int.random(in: 1...30, using: &random))
            guard (rule.minPlays ?? 0) <= (rule.maxPlays ?? .max) else { continue }
            let input = SmartInput(window: window, allTime: all, playlists: [playlist])
            let songs = try Self.run(rule, input)
            let passes = { (uri: String) -> Bool in
                let figures = window[uri] ?? .init(plays: 0)
                if let min = rule.minPlays, figures.plays < min { return false }
                if let max = rule.maxPlays, figures.plays > max { return false }
                if rule.skipped == .only && figures.skips == 0 || rule.skipped == .none && figures.skips > 0 { return false }
                if let days = rule.notPlayedForDays, let last = all[uri]?.lastAt, last >= Self.daysAgo(Double(days)) {
                    return false
                }
                return true
            }
            var candidates = Set<String>()
            if rule.sources.contains(.history) {
                candidates.formUnion(window.filter { $0.value.plays + $0.value.skips > 0 }.keys)
            }
            if rule.sources.contains(.playlist("p")) { candidates.formUnion(playlist.entries.map(\.uri)) }
            let expected = candidates.filter(passes)
            #expect(songs.count == min(rule.limit, expected.count))
            #expect(Set(songs.map(\.uri)).count == songs.count)
            #expect(Set(songs.map(\.uri)).isSubset(of: expected))
            let measure: (String) -> Double = { uri in
                switch rule.order {
                case .plays: Double(window[uri]?.plays ?? 0)
                case .listened: Double(window[uri]?.listenedMS ?? 0)
                case .lastPlayed: all[uri]?.lastAt?.timeIntervalSince1970 ?? -.infinity
                case .firstPlayed: all[uri]?.firstAt?.timeIntervalSince1970 ?? -.infinity
                case .sources: 0
                }
            }
            let values = songs.map { measure($0.uri) }
            #expect(zip(values, values.dropFirst()).allSatisfy { $0 >= $1 }, "\(rule.order): \(values)")
            // What was left out ranks no higher than the last song taken.
            if rule.order != .sources, let floor = values.last {
                #expect(expected.subtracting(songs.map(\.uri)).allSatisfy { measure($0) <= floor })
            }
        }
    }
}
