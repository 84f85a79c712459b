import Foundation
import Library
import Testing

struct DuplicateFinderTests {
    func item(
        _ position: Int, _ uri: String?, name: String? = nil, artists: [String] = ["a1"], isrc: String? = nil,
        duration: Int? = 200_000,
        addedAt: Double? = nil, local: Bool = false, playable: Bool? = nil, album: String? = nil
    ) -> DedupeItem {
        DedupeItem(
            position: position, uri: uri, addedAt: addedAt.map(Date.init(timeIntervalSince1970:)), isLocal: local,
            isPlayable: playable,
            name: name ?? uri, artists: artists, isrc: isrc, durationMS: duration, albumType: album)
    }

    @Test func exactMatchesTheSameURIAndKeepsTheFirst() {
        let groups = DuplicateFinder().groups(in: [item(0, "s:a"), item(1, "s:b"), item(2, "s:a"), item(3, "s:a")])
        #expect(groups.count == 1)
        #expect(groups[0].rule == .exact)
        #expect(groups[0].kept == 0)
        #expect(groups[0].removed == [2, 3])
        #expect(groups[0].explanation.contains("3 times"))
    }

    @Test func recordingMatchesTheSameISRCOnlyAtThatLevel() {
        let items = [item(0, "s:single", isrc: "QZ1", album: "single"), item(1, "s:album", isrc: "qz1", album: "album")]
        #expect(DuplicateFinder(level: .exact).groups(in: items).isEmpty)
        let groups = DuplicateFinder(level: .recording).groups(in: items)
        #expect(groups.map(\.rule) == [.recording])
        #expect(groups[0].removed == [1])
        let album = DuplicateFinder(level: .recording, keep: .album).groups(in: items)
        #expect(album[0].kept == 1 && album[0].removed == [0] && album[0].keptBecause == "it is the album release")
    }

    @Test func similarNeedsTitleArtistsAndDurationWithinTwoSeconds() {
        let base = [
            item(0, "s:1", name: "Golden River (feat. Someone)", artists: ["x", "y"], duration: 200_000),
            item(1, "s:2", name: "Golden River", artists: ["y", "x"], duration: 201_900),
            item(2, "s:3", name: "Golden River", artists: ["x", "y"], duration: 205_000),
            item(3, "s:4", name: "Golden River", artists: ["x"], duration: 200_000),
        ]
        let groups = DuplicateFinder(level: .similar).groups(in: base)
        #expect(groups.count == 1)
        #expect(groups[0].rule == .similar)
        #expect(groups[0].removed == [1], "3 s away and another artist set are different songs")
        #expect(DuplicateFinder(level: .recording).groups(in: base).isEmpty)
    }

    @Test(arguments: [
        ("Song (Live)", "Song"), ("Song - Acoustic", "Song"), ("Song (Remix)", "Song"), ("Song (Demo)", "Song"),
        ("Song - Instrumental", "Song"), ("Song (Karaoke Version)", "Song"), ("Song (Sped Up)", "Song"),
        ("Song - Slowed", "Song"),
        ("Song - Radio Edit", "Song"), ("Song (Extended Mix)", "Song"), ("Song - Remastered 2011", "Song"),
        ("Song - Remastered 2011", "Song - Remastered 2019"), ("Canción (En Vivo)", "Canción"), ("Canção (Ao Vivo)", "Canção"),
        ("Lied (Akustik Version)", "Lied"), ("Chanson (Version Acoustique)", "Chanson"), ("노래 (라이브)", "노래"), ("노래 (어쿠스틱)", "노래"),
        ("歌 (リミックス)", "歌"), ("歌 (ライブ)", "歌"), ("Song (Live)", "Song (Acoustic)"),
    ])
    func versionWordsAreNeverDuplicates(_ first: String, _ second: String) {
        let items = [item(0, "s:1", name: first, duration: 200_000), item(1, "s:2", name: second, duration: 200_500)]
        #expect(DuplicateFinder(level: .similar).groups(in: items).isEmpty, "\(first) vs \(second)")
    }

    @Test(arguments: [
        ("Song (Live)", "Song - Live"), ("Song - Remastered 2011", "Song (2011 Remaster)"),
        ("Canción (En Vivo)", "Cancion (en vivo)"),
        ("Song (feat. Guest)", "Song"), ("노래 (라이브)", "노래 (라이브)"), ("Live Forever", "Live Forever"), ("Song!", "song"),
    ])
    func theSameVersionSpelledDifferentlyIsADuplicate(_ first: String, _ second: String) {
        let items = [item(0, "s:1", name: first, duration: 200_000), item(1, "s:2", name: second, duration: 200_500)]
        #expect(DuplicateFinder(level: .similar).groups(in: items).count == 1, "\(first) vs \(second)")
    }

    @Test func theVersionTableCoversEveryLanguageAndMarker() {
        for marker in [
            "live", "acoustic", "remix", "demo", "instrumental", "karaoke", "sped up", "slowed", "radio edit", "extended",
            "remaster",
        ] {
            #expect(VersionMarkers.table[marker] != nil, "\(marker)")
        }
        #expect(VersionMarkers.markers(in: "Song - Remastered 2011") == ["remaster 2011"])
        #expect(VersionMarkers.markers(in: "Song (Live at Wembley)") == ["live"])
        #expect(VersionMarkers.markers(in: "Song").isEmpty)
        #expect(VersionMarkers.markers(in: "Delivery").isEmpty, "whole words only")
    }

    @Test func keepPolicies() {
        let items = [
            item(0, "s:a", addedAt: 300, playable: false), item(1, "s:a", addedAt: 100, playable: true),
            item(2, "s:a", addedAt: 200, playable: true),
        ]
        func kept(_ policy: KeepPolicy) -> Int? { DuplicateFinder(keep: policy).groups(in: items).first?.kept }
        #expect(kept(.first) == 0)
        #expect(kept(.oldest) == 1)
        #expect(kept(.newest) == 0)
        #expect(kept(.playable) == 1)
        #expect(kept(.album) == 0, "no album release: the first")
    }

    @Test func localAndUnavailableEntriesAreNeverRemoved() {
        let items = [
            item(0, "spotify:local:a:b:c:1", local: true), item(1, "spotify:local:a:b:c:1", local: true), item(2, nil),
            item(3, nil),
            item(4, "s:x", isrc: "Q"), item(5, "spotify:local:x:y:z:2", isrc: "Q", local: true),
        ]
        let groups = DuplicateFinder(level: .recording).groups(in: items)
        #expect(groups.allSatisfy { $0.removed.allSatisfy { ![0, 1, 2, 3, 5].contains($0) } })
        #expect(groups.flatMap(\.removed).isEmpty, "nothing removable is duplicated")
    }

    @Test func ignoredPairsAreNotGroupedAndIdsAreStable() {
        let items = [item(0, "s:1", isrc: "Q"), item(1, "s:2", isrc: "Q"), item(2, "s:1", isrc: "Q")]
        let all = DuplicateFinder(level: .recording).groups(in: items)
        #expect(all.count == 1 && all[0].removed == [1, 2])
        let exempted = DuplicateFinder(level: .recording, ignored: [IgnoredPair("s:2", "s:1")]).groups(in: items)
        #expect(exempted.count == 1 && exempted[0].removed == [2] && exempted[0].rule == .exact)
        let shifted = DuplicateFinder(level: .recording).groups(
            in: [item(0, "s:0")]
                + items.map {
                    var copy = $0
                    copy.position += 1
                    return copy
                })
        #expect(shifted[0].id == all[0].id, "the id depends on the songs, not their positions")
    }
}

struct DedupePlanTests {
    func plan(_ uris: [String?], level: MatchLevel = .exact) -> DedupePlan {
        let items = uris.enumerated().map {
            DedupeItem(position: $0.offset, uri: $0.element, name: $0.element, artists: ["a"], isrc: $0.element)
        }
        let groups = DuplicateFinder(level: level).groups(in: items)
        return DedupePlan.make(entries: uris, groups: groups, snapshotID: "s1", isLocal: uris.map { _ in false })
    }

    @Test func removeThenReAddTheKeptCopy() {
        let uris: [String?] = ["a", "b", "a", "c", "a", "d", "e", "f", "g", "h"]
        let plan = plan(uris)
        #expect(plan.operations == [.remove(["a"]), .add(["a"], position: 0)])
        #expect(plan.expected == ["a", "b", "c", "d", "e", "f", "g", "h"])
        #expect(plan.readded == [0], "only the re-added copy gets a new added_at")
        #expect(DedupePlan.simulate(plan.operations, on: uris) == plan.expected)
    }

    @Test func contiguousReAddsShareOneCall() {
        let uris: [String?] = ["a", "b", "c", "x", "y", "a", "b", "c", "z", "w", "v", "u", "t"]
        let plan = plan(uris)
        #expect(plan.operations == [.remove(["a", "b", "c"]), .add(["a", "b", "c"], position: 0)])
        #expect(DedupePlan.simulate(plan.operations, on: uris) == plan.expected)
    }

    @Test func rebuildingWhenItTouchesFewerEntries() {
        let uris: [String?] = ["a", "a", "b", "b", "c", "c"]
        let plan = plan(uris)
        #expect(plan.rebuilds)
        #expect(plan.operations == [.replace(["a", "b", "c"])])
        let withUnavailable = DedupePlan.make(
            entries: uris + [nil], groups: plan.groups, snapshotID: nil, isLocal: Array(repeating: false, count: 7))
        #expect(!withUnavailable.rebuilds, "a playlist with a null entry is never rebuilt")
        #expect(DedupePlan.simulate(withUnavailable.operations, on: uris + [nil]) == withUnavailable.expected)
    }

    /// Random playlists: applying the plan as Spotify would gives the expected list, keeps every distinct song,
    /// keeps the kept entries' relative order, touches nothing outside the groups, and writes what it counts.
    @Test(arguments: 0..<200)
    func randomPlaylists(seed: Int) {
        var random = SplitMix(seed: UInt64(seed))
        let songs = (0..<Int(random.next() % 30 + 1)).map { "s:\($0)" }
        let length = Int(random.next() % 250)
        let uris: [String?] = (0..<length).map { _ in
            random.next() % 23 == 0 ? nil : songs[Int(random.next() % UInt64(songs.count))]
        }
        let plan = plan(uris)
        let result = DedupePlan.simulate(plan.operations, on: uris)
        #expect(result == plan.expected)
        #expect(Set(result.compactMap { $0 }) == Set(uris.compactMap { $0 }), "the distinct songs are the same")
        #expect(result.compactMap { $0 }.count == Set(uris.compactMap { $0 }).count, "one copy of each")
        #expect(result.filter { $0 == nil }.count == uris.filter { $0 == nil }.count, "unavailable entries are untouched")
        let keptPositions = uris.indices.filter { !Set(plan.groups.flatMap(\.removed)).contains($0) }
        #expect(keptPositions.map { uris[$0] } == result, "kept entries keep their relative order")
        let removeCalls = plan.operations.filter { if case .remove = $0 { return true } else { return false } }.count
        #expect(plan.rebuilds || removeCalls == (Set(plan.groups.flatMap(\.removed).compactMap { uris[$0] }).count + 99) / 100)
        #expect(
            plan.operations.allSatisfy {
                switch $0 {
                case .remove(let u), .add(let u, _), .replace(let u), .append(let u): u.count <= 100
                case .move: false  // a dedupe never moves
                }
            })
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

struct RestorePlanTests {
    @Test func undoReinsertsTheMissingCopiesAtTheirPlaces() throws {
        let original: [String?] = ["a", "b", "a", "spotify:local:x", nil, "a", "c"]
        let afterDedupe: [String?] = ["a", "b", "spotify:local:x", nil, "c"]
        let operations = try #require(RestorePlan.make(current: afterDedupe, original: original))
        #expect(DedupePlan.simulate(operations, on: afterDedupe) == original)
        #expect(operations == [.add(["a"], position: 2), .add(["a"], position: 5)])
        #expect(RestorePlan.make(current: original, original: original) == [])
        #expect(RestorePlan.make(current: ["c", "a"], original: original) == nil, "reordered: not a state a dedupe leaves")
        #expect(RestorePlan.make(current: ["z"], original: original) == nil)
    }

    /// Every intermediate state of a dedupe (after each write) can be undone to the exact original order.
    @Test(arguments: 0..<150)
    func everyPartialDedupeCanBeUndone(seed: Int) throws {
        var random = SplitMix(seed: UInt64(seed) &+ 1000)
        let songs = (0..<Int(random.next() % 12 + 1)).map { "s:\($0)" }
        let original: [String?] = (0..<Int(random.next() % 160)).map { _ in songs[Int(random.next() % UInt64(songs.count))] }
        let items = original.enumerated().map {
            DedupeItem(position: $0.offset, uri: $0.element, name: $0.element, artists: ["a"])
        }
        let plan = DedupePlan.make(
            entries: original, groups: DuplicateFinder().groups(in: items), snapshotID: nil, isLocal: original.map { _ in false })
        guard !plan.rebuilds else { return }
        for done in 0...plan.operations.count {
            let state = DedupePlan.simulate(Array(plan.operations.prefix(done)), on: original)
            let undo = try #require(RestorePlan.make(current: state, original: original), "after \(done) writes")
            #expect(DedupePlan.simulate(undo, on: state) == original)
        }
    }
}
