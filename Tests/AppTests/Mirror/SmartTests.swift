import App
import EmulatorTestSupport
import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import SpotifyEmulator
import SpotifyWebAPI
import Store
import Testing

/// Playlists made from listening, against the emulator on both stores: created with the marker, brought to the
/// rule's result with the fewest writes, journaled and verified; the person's edits kept; deletion in the app
/// turns the rule off.
@Suite(.serialized)
struct SmartTests {
    static let uri = UnifiedTests.trackURI

    /// An extended-history file: each play is (track index, days ago, ms played).
    static func history(_ plays: [(track: Int, daysAgo: Double, ms: Int)], now: Date) -> Data {
        let records: [JSONValue] = plays.enumerated().map { offset, play in
            // A second apart, so that no two plays share a `played_at`.
            let ended = now.addingTimeInterval(-play.daysAgo * 86_400 - Double(offset))
            return [
                "ts": .string(ended.formatted(.iso8601)), "ms_played": JSONValue(play.ms),
                "master_metadata_track_name": .string("Song \(play.track)"),
                "master_metadata_album_artist_name": "The Band", "master_metadata_album_album_name": "Record",
                "spotify_track_uri": .string(uri(play.track)), "skipped": false,
            ]
        }
        return Data(JSONValue.array(records).serialized().utf8)
    }

    static func importPlays(_ actions: UserActions, _ plays: [(track: Int, daysAgo: Double, ms: Int)], name: String)
        async throws
    {
        _ = try await actions.importPlays(
            name: "Streaming_History_Audio_\(name).json", data: history(plays, now: Date()), format: .extended)
    }

    /// `count` plays of each track: track i is played `counts[i]` times within the last `withinDays` days.
    static func plays(_ counts: [Int: Int], withinDays days: Double = 20) -> [(track: Int, daysAgo: Double, ms: Int)] {
        counts.sorted { $0.key < $1.key }.flatMap { track, count in
            (0..<count).map { index in (track, 0.5 + days * Double(index) / Double(max(count, 1)), 200_000) }
        }
    }

    static func playlist(_ mirror: TestMirror, named name: String) async -> EmulatorLibrary.Playlist? {
        let library = await mirror.state.library()
        let listed = Set(library.follows["demo"] ?? [])
        return library.playlists.first { listed.contains($0.id) && $0.name == name }
    }

    @Test(arguments: StoreKind.available)
    func onRepeatIsCreatedRankedAndKeptInOrderInOneCall(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind, library: UnifiedTests.library(tracks: 80, playlists: [Array(0..<40)])) { mirror in
            let actions = try await mirror.actions()
            // Track i of 0..<60 is played 61 − i times: the ranking is 0, 1, …, 49.
            try await Self.importPlays(
                actions, Self.plays(Dictionary(uniqueKeysWithValues: (0..<60).map { ($0, 61 - $0) })), name: "a")
            // Older plays do not count for On repeat.
            try await Self.importPlays(actions, [(70, 40, 200_000), (70, 41, 200_000), (70, 45, 200_000)], name: "old")

            let preview = try await actions.smartPreview("on-repeat", wait: 5)
            #expect(preview.status == "preview" && preview.songs.count == 50)
            #expect(preview.songs.first?.reason == "61 plays in the last 30 days")
            #expect(preview.notes.contains("On repeat is created"))

            let (view, created) = try await actions.smartSetEnabled("on-repeat", true, wait: 5)
            #expect(view.enabled)
            let report = try #require(created)
            #expect(report.status == "created")
            let playlist = try #require(await Self.playlist(mirror, named: "On repeat"))
            #expect(playlist.entries.map(\.uri) == (0..<50).map(Self.uri))
            #expect(playlist.description.contains("Kept by Playkeeper"))
            #expect(!playlist.isPublic)
            // Create, then one replace: 50 songs are one call.
            #expect(report.writes == 2)
            let journal = try #require(try await JournalRecord.find(report.journalID, on: mirror.database))
            #expect(journal.kind == .smart && journal.status == .verified)

            // Nothing changed: no write.
            await mirror.state.resetRequestLog()
            let again = try #require(try await actions.smartUpdate(["on-repeat"], mode: .always, wait: 5).first)
            #expect(again.status == "unchanged" && again.writes == 0)
            #expect(await mirror.state.requestLog().requests.filter { !$0.endpoint.hasPrefix("GET") }.isEmpty)

            // A day of plays: three songs climb. The playlist ends in the new order within three calls.
            try await Self.importPlays(actions, Self.plays([45: 30, 30: 12, 55: 25], withinDays: 1), name: "b")
            let ranking = try await actions.smartPreview("on-repeat", wait: 5).songs.map(\.uri)
            let updated = try #require(try await actions.smartUpdate(["on-repeat"], mode: .always, wait: 5).first)
            #expect(updated.status == "updated")
            #expect(await mirror.state.uris(of: playlist.id) == ranking)
            // Fifty songs fit one replace, so no edit can beat it: one call.
            #expect(updated.writes == 1 && updated.strategy == "replace")
            #expect(updated.writes <= updated.alternative ?? .max)
        }
    }

    @Test(arguments: StoreKind.available)
    func aLongRankedPlaylistIsReorderedByMovesWhenThatIsCheaper(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind, library: UnifiedTests.library(tracks: 320, playlists: [Array(0..<10)])) { mirror in
            let actions = try await mirror.actions()
            // 300 songs played once each, ranked by time listened: track i listened 100 s + i × 100 ms.
            try await Self.importPlays(actions, (0..<300).map { ($0, 5, 100_000 + $0 * 100) }, name: "a")
            let rule = SmartRule(sources: [.history], window: "90d", order: .listened, limit: 300)
            let created = try await actions.smartAdd(name: "Longest listened", keepAppEdits: true, wait: 5) { rule }
            #expect(created.writes == 4)  // create, a replace and two appends
            let playlist = try #require(await Self.playlist(mirror, named: "Longest listened"))
            #expect(await mirror.state.uris(of: playlist.id) == (0..<300).reversed().map(Self.uri))

            // Two songs from the bottom climb to the top: two moves, against a replace and two appends.
            try await Self.importPlays(actions, [(0, 0.5, 60_000), (1, 0.5, 59_000)], name: "b")
            await mirror.state.resetRequestLog()
            let updated = try #require(try await actions.smartUpdate([created.key], mode: .always, wait: 5).first)
            #expect(updated.strategy == "edit" && updated.alternative == 3)
            #expect(updated.writes <= 2 && updated.moved == 2)
            #expect(await mirror.state.uris(of: playlist.id) == updated.songs.map(\.uri))
            #expect(updated.songs.prefix(2).map(\.uri) == [Self.uri(0), Self.uri(1)])
            let writes = await mirror.state.requestLog().requests.filter { !$0.endpoint.hasPrefix("GET") }
            #expect(writes.count == updated.writes)
        }
    }

    @Test(arguments: StoreKind.available)
    func neverPlayedChangesByRemovalsAndAppendsAndKeepsThePersonsEdits(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind, library: UnifiedTests.library(tracks: 40, playlists: [Array(0..<10), Array(8..<16)])) {
            mirror in
            let actions = try await mirror.actions()
            try await Self.importPlays(actions, [(1, 3, 200_000), (9, 2, 200_000), (12, 1, 5_000)], name: "a")
            let report = try #require(try await actions.smartSetEnabled("never-played", true, wait: 5).report)
            #expect(report.status == "created" && !report.ranked)
            let playlist = try #require(await Self.playlist(mirror, named: "Never played"))
            // In the order added; a skip (5 s) is a play too, so 12 is not "never played".
            let expected = [0, 2, 3, 4, 5, 6, 7, 8, 10, 11, 13, 14, 15].map(Self.uri)
            #expect(playlist.entries.map(\.uri) == expected)

            // Two songs get played, one is added to a source: two removals by URI in one call, one append.
            try await Self.importPlays(actions, [(3, 0.5, 200_000), (14, 0.4, 200_000)], name: "b")
            _ = try await mirror.state.applyAppEdit([
                "op": "add", "playlist": .string(String(format: "upl%019d", 0)), "uris": [.string(Self.uri(30))],
            ])
            await mirror.state.resetRequestLog()
            let updated = try #require(try await actions.smartUpdate(["never-played"], mode: .always, wait: 5).first)
            #expect(updated.strategy == "append" && updated.writes == 2 && updated.removed == 2 && updated.added == 1)
            let after = expected.filter { $0 != Self.uri(3) && $0 != Self.uri(14) } + [Self.uri(30)]
            #expect(await mirror.state.uris(of: playlist.id) == after)

            // The person removes a song and adds one of their own in the app: both stay so.
            _ = try await mirror.state.applyAppEdit([
                "op": "remove", "playlist": .string(playlist.id), "uris": [.string(Self.uri(0))],
            ])
            _ = try await mirror.state.applyAppEdit([
                "op": "add", "playlist": .string(playlist.id), "uris": [.string(Self.uri(39))],
            ])
            let kept = try #require(try await actions.smartUpdate(["never-played"], mode: .always, wait: 5).first)
            #expect(kept.notes.contains { $0.contains("edited in the Spotify app") })
            #expect(kept.writes == 0)
            let now = await mirror.state.uris(of: playlist.id) ?? []
            #expect(!now.contains(Self.uri(0)) && now.contains(Self.uri(39)))
        }
    }

    @Test func aPlaylistDeletedInTheAppTurnsItsRuleOffAndTurningItOnCreatesItAgain() async throws {
        try await TestMirror.with(.sqlite, library: UnifiedTests.library(tracks: 20, playlists: [Array(0..<20)])) { mirror in
            let actions = try await mirror.actions()
            try await Self.importPlays(actions, Self.plays([1: 3, 2: 2]), name: "a")
            _ = try await actions.smartSetEnabled("on-repeat", true, wait: 5)
            let first = try #require(await Self.playlist(mirror, named: "On repeat"))
            _ = try await mirror.state.applyAppEdit(["op": "unfollow", "playlist": .string(first.id)])
            let report = try #require(try await actions.smartUpdate(["on-repeat"], mode: .always, wait: 5).first)
            #expect(report.status == "turned off")
            let view = try #require(try await actions.smartList(wait: 5).first { $0.key == "on-repeat" })
            #expect(!view.enabled && view.offReason?.contains("deleted in the Spotify app") == true)
            // Off: a due check does nothing.
            #expect(try await actions.smartUpdate(nil, mode: .whenDue(interval: 0), wait: 5).isEmpty)
            let again = try #require(try await actions.smartSetEnabled("on-repeat", true, wait: 5).report)
            #expect(again.status == "created" && again.spotifyID != first.id)
        }
    }

    @Test func ownRulesAreCheckedAndNeverReadSmartPlaylistsUnlessNamed() async throws {
        try await TestMirror.with(.sqlite, library: UnifiedTests.library(tracks: 30, playlists: [Array(0..<10), Array(10..<20)]))
        { mirror in
            let actions = try await mirror.actions()
            try await Self.importPlays(actions, Self.plays([1: 4, 11: 6, 12: 1]), name: "a")
            await #expect(throws: PlaykeeperError.self) {
                _ = try await actions.smartAdd(name: "Mix", keepAppEdits: true, wait: 5) {
                    SmartRule(sources: [.playlist("nope")])
                }
            }
            do {
                _ = try await actions.smartAdd(name: "Mix", keepAppEdits: true, wait: 5) {
                    SmartRule(sources: [.history], limit: 20_000)
                }
                Issue.record("a limit over 10,000 was taken")
            } catch let error as PlaykeeperError {
                #expect(error.kind == .invalid && error.message.contains("limit"))
            }
            let second = String(format: "upl%019d", 1)
            let rule = SmartRule(sources: [.playlist(second)], minPlays: 1, order: .plays, limit: 10)
            let added = try await actions.smartAdd(name: "Played from Source 1", keepAppEdits: true, wait: 5) { rule }
            #expect(added.key == "played-from-source-1" && added.status == "created")
            let made = try #require(await Self.playlist(mirror, named: "Played from Source 1"))
            #expect(made.entries.map(\.uri) == [Self.uri(11), Self.uri(12)])
            // Never played reads the person's playlists, not the smart one.
            let never = try await actions.smartPreview("never-played", wait: 5)
            #expect(!never.songs.contains { $0.reason.contains("Played from Source 1") })
            // The same name again is refused.
            await #expect(throws: PlaykeeperError.self) {
                _ = try await actions.smartAdd(name: "Played from source 1", keepAppEdits: true, wait: 5) { rule }
            }
            let removed = try await actions.smartRemove("played-from-source-1", wait: 5)
            #expect(removed.key == "played-from-source-1")
            #expect(await Self.playlist(mirror, named: "Played from Source 1") != nil)
        }
    }

    @Test func anUpdateCanBeUndoneAndTheNextUpdateIsNotFooledByIt() async throws {
        try await TestMirror.with(.sqlite, library: UnifiedTests.library(tracks: 30, playlists: [Array(0..<30)])) { mirror in
            let actions = try await mirror.actions()
            try await Self.importPlays(
                actions, Self.plays(Dictionary(uniqueKeysWithValues: (0..<10).map { ($0, 12 - $0) })), name: "a")
            _ = try await actions.smartSetEnabled("on-repeat", true, wait: 5)
            let playlist = try #require(await Self.playlist(mirror, named: "On repeat"))
            let before = await mirror.state.uris(of: playlist.id)
            try await Self.importPlays(actions, Self.plays([9: 40, 8: 30], withinDays: 1), name: "b")
            let update = try #require(try await actions.smartUpdate(["on-repeat"], mode: .always, wait: 5).first)
            #expect(await mirror.state.uris(of: playlist.id) != before)
            let undo = try await actions.undo(journalID: try #require(update.journalID), force: false, wait: 5)
            #expect(undo.status == .verified)
            #expect(await mirror.state.uris(of: playlist.id) == before)
            // The undone order is Playkeeper's now: the next update puts the ranking back, with no edit reported.
            let next = try #require(try await actions.smartUpdate(["on-repeat"], mode: .always, wait: 5).first)
            #expect(!next.notes.contains { $0.contains("edited in the Spotify app") })
            #expect(await mirror.state.uris(of: playlist.id) == next.songs.map(\.uri))
        }
    }

    @Test func anAutomaticUpdateRunsOnlyWhenTheResultChangedAndNotWithinTheInterval() async throws {
        try await TestMirror.with(.sqlite, library: UnifiedTests.library(tracks: 20, playlists: [Array(0..<20)])) { mirror in
            let actions = try await mirror.actions()
            try await Self.importPlays(actions, Self.plays([1: 3, 2: 2]), name: "a")
            _ = try await actions.smartSetEnabled("on-repeat", true, wait: 5)
            // Nothing changed: nothing is read from Spotify, nothing written.
            await mirror.state.resetRequestLog()
            #expect(try await actions.smartUpdate(nil, mode: .whenDue(interval: 0), wait: 5).isEmpty)
            #expect(await mirror.state.requestLog().requests.isEmpty)
            // New plays change the ranking, but the last update is within the interval: not yet.
            try await Self.importPlays(actions, Self.plays([3: 9], withinDays: 1), name: "b")
            #expect(try await actions.smartUpdate(nil, mode: .whenDue(interval: 3600), wait: 5).isEmpty)
            // Past the interval (here: none), it runs.
            let reports = try await actions.smartUpdate(nil, mode: .whenDue(interval: 0), wait: 5)
            #expect(reports.map(\.key) == ["on-repeat"] && reports.first?.songs.first?.uri == Self.uri(3))
        }
    }

    /// Random histories and random rules, updated again and again: after each update the playlist in Spotify is
    /// the rule's result (plus the songs the person added, which stay), and the writes sent are the plan's count.
    @Test(arguments: StoreKind.available)
    func afterAnyUpdateThePlaylistIsTheResultAndTheWritesAreThePlans(_ kind: StoreKind) async throws {
        try await TestMirror.with(
            kind, library: UnifiedTests.library(tracks: 400, playlists: [Array(0..<150), Array(100..<400)])
        ) { mirror in
            let actions = try await mirror.actions()
            var random = SeededRandom(seed: 16)
            var counts: [Int: Int] = [:]
            for track in 0..<400 where Int.random(in: 0..<8, using: &random) > 0 {
                counts[track] = Int.random(in: 1...6, using: &random)
            }
            try await Self.importPlays(actions, Self.plays(counts), name: "start")
            let rules: [(String, SmartRule)] = [
                ("By plays", SmartRule(sources: [.history], window: "30d", order: .plays, limit: 320)),
                ("By listening", SmartRule(sources: [.history], window: "30d", order: .listened, limit: 40)),
                ("Newest", SmartRule(sources: [.history], window: "30d", order: .lastPlayed, limit: 330)),
                ("Unheard here", SmartRule(sources: [.allPlaylists], maxPlays: 0, order: .sources, limit: 10_000)),
            ]
            for (name, rule) in rules { _ = try await actions.smartAdd(name: name, keepAppEdits: true, wait: 5) { rule } }
            var strategies: [String: Int] = [:]
            for round in 0..<6 {
                var more: [(track: Int, daysAgo: Double, ms: Int)] = []
                // A few plays (a few rank changes) or many.
                for _ in 0..<(round % 2 == 0 ? Int.random(in: 1...3, using: &random) : Int.random(in: 10...60, using: &random)) {
                    more.append(
                        (
                            Int.random(in: 0..<400, using: &random), Double.random(in: 0.01...0.9, using: &random),
                            Int.random(in: 31_000...400_000, using: &random)
                        ))
                }
                try await Self.importPlays(actions, more, name: "round\(round)")
                await mirror.state.resetRequestLog()
                let reports = try await actions.smartUpdate(nil, mode: .always, wait: 5)
                let writes = await mirror.state.requestLog().requests.filter { !$0.endpoint.hasPrefix("GET") }.count
                #expect(writes == reports.reduce(0) { $0 + $1.writes }, "round \(round)")
                for report in reports {
                    strategies[report.strategy, default: 0] += 1
                    let id = try #require(report.spotifyID)
                    let now = await mirror.state.uris(of: id) ?? []
                    #expect(report.status == "updated" || report.status == "unchanged", "\(report.name): \(report.status)")
                    if report.ranked {
                        #expect(now == report.songs.map(\.uri), "\(report.name), round \(round)")
                    } else {
                        #expect(Set(now) == Set(report.songs.map(\.uri)) && now.count == report.songs.count, "\(report.name)")
                    }
                }
            }
            // Every way of writing was taken at least once.
            #expect(strategies["edit"] != nil && strategies["replace"] != nil && strategies["append"] != nil, "\(strategies)")
        }
    }

    /// The database leaves out of a rule's input what its filters would drop anyway; the result is the same as
    /// from the whole input, for rules of every shape.
    @Test(arguments: StoreKind.available)
    func narrowingTheInputInTheDatabaseNeverChangesTheResult(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind, library: UnifiedTests.library(tracks: 120, playlists: [Array(0..<70), Array(50..<120)])) {
            mirror in
            let actions = try await mirror.actions()
            var random = SeededRandom(seed: 3)
            var plays: [(track: Int, daysAgo: Double, ms: Int)] = []
            for _ in 0..<600 {
                plays.append(
                    (
                        Int.random(in: 0..<100, using: &random), Double.random(in: 0...200, using: &random),
                        [5_000, 40_000, 200_000].randomElement(using: &random)!
                    ))
            }
            // Songs 100…109 are discovered lately; 110…114 were only skipped, long ago; 115…119 never played.
            plays += (100..<110).map { ($0, Double($0 - 99), 200_000) }
            plays += (110..<115).map { ($0, 150, 5_000) }
            try await Self.importPlays(actions, plays, name: "a")
            _ = try await mirror.sync()
            let service = actions.smartService
            let first = String(format: "upl%019d", 0)
            let rules =
                [
                    SmartRule(sources: [.allPlaylists], window: "all", maxPlays: 0, order: .sources, limit: 10_000),
                    SmartRule(sources: [.allPlaylists], window: "90d", maxPlays: 2, order: .sources, limit: 10_000),
                    SmartRule(sources: [.playlist(first)], window: "30d", minPlays: 1, order: .plays, limit: 500),
                    SmartRule(sources: [.playlist(first), .history], window: "60d", minPlays: 3, order: .listened, limit: 500),
                    SmartRule(sources: [.history], window: "30d", newInWindow: true, order: .firstPlayed, limit: 500),
                    SmartRule(sources: [.history], window: "45d", notPlayedForDays: 10, order: .lastPlayed, limit: 500),
                    SmartRule(
                        sources: [.allPlaylists], window: "all", maxPlays: 0, minMSPlayed: 100_000, order: .sources, limit: 500),
                    SmartRule(
                        sources: [.allPlaylists], window: "90d", maxPlays: 1, excludePlaylists: [first], order: .sources,
                        limit: 500),
                    // The database's first N, ties included, as the rule orders them.
                    SmartRule(sources: [.history], window: "60d", minPlays: 1, order: .plays, limit: 7),
                    SmartRule(sources: [.history], window: "all", minPlays: 2, order: .listened, limit: 5),
                    SmartRule(sources: [.history], window: "60d", minPlays: 1, minMSPlayed: 100_000, order: .plays, limit: 9),
                    SmartRule(sources: [.history], window: "all", minPlays: 3, notPlayedForDays: 20, order: .plays, limit: 50),
                    SmartRule(sources: [.history], window: "90d", maxPlays: 1, skipped: .none, order: .lastPlayed, limit: 50),
                    SmartRule(sources: [.history], window: "90d", skipped: .only, order: .plays, limit: 50),
                    SmartRule(sources: [.history], window: "all", minPlays: 1, order: .plays, limit: 30, match: .recording),
                ]
                + (SmartBuiltIn.offered + [.topSongs(year: Calendar(identifier: .gregorian).component(.year, from: Date()))]).map(
                    \.rule)
            let now = Date()
            for rule in rules {
                let period = try rule.period(now: now)
                let narrowed = rule.evaluate(try await service.input(for: rule, period: period), period: period, now: now)
                let whole = rule.evaluate(
                    try await service.input(for: rule, period: period, narrowed: false), period: period, now: now)
                #expect(narrowed == whole, "\(SmartService.describe(rule))")
                #expect(!whole.isEmpty, "\(SmartService.describe(rule)) takes songs")
                #expect(whole.count < 120, "\(SmartService.describe(rule)) leaves songs out")
            }
        }
    }
}
