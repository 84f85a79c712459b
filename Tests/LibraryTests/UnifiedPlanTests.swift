import Foundation
import Library
import Testing

struct UnifiedPlanTests {
    typealias Entry = UnifiedPlan.SourceEntry

    func song(_ uri: String, _ day: Double?, isrc: String? = nil) -> Entry {
        Entry(uri: uri, addedAt: day.map { Date(timeIntervalSince1970: $0 * 86_400) }, isrc: isrc)
    }

    @Test func theFirstBuildHasOneCopyOfEverySongInFirstAddedOrder() {
        let sources: [[Entry]] = [
            [song("c", 3), song("a", 5), song("b", nil)],
            [song("a", 1), song("d", 3), Entry(uri: "spotify:local:x", isLocal: true), Entry(uri: nil, isAvailable: false)],
            [Entry(uri: "e1", addedAt: Date(timeIntervalSince1970: 0), isEpisode: true), song("c", 9)],
        ]
        let plan = UnifiedPlan.make(sources: sources, current: [], lastWritten: nil)
        // a (day 1), then c and d (day 3: source order), then b (no date).
        #expect(plan.shards.map(\.expected) == [["a", "c", "d", "b"]])
        #expect(plan.shards[0].create)
        #expect(plan.shards[0].appends == [["a", "c", "d", "b"]])
        #expect(plan.skipped.count == 2, "local files and unavailable entries are reported")
        #expect(plan.writeCount == 2, "create + one append")
        var withEpisodes = UnifiedPlan.Options()
        withEpisodes.includeEpisodes = true
        #expect(
            UnifiedPlan.make(sources: sources, current: [], lastWritten: nil, options: withEpisodes).shards[0].expected.first
                == "e1")
    }

    @Test func nothingChangedMeansNoWrites() {
        let sources: [[Entry]] = [[song("a", 1), song("b", 2)]]
        let plan = UnifiedPlan.make(sources: sources, current: [["a", "b"]], lastWritten: [["a", "b"]])
        #expect(plan.writeCount == 0)
    }

    @Test func newSongsAreAppendedInBatchesAndNothingIsReordered() {
        let old = (0..<300).map { song("o\($0)", Double($0)) }
        let new = (0..<250).map { song("n\($0)", Double(-$0)) }  // added "earlier", still appended after
        let current = [old.map { $0.uri! }.reversed()].map(Array.init)
        let plan = UnifiedPlan.make(sources: [old + new], current: current, lastWritten: current)
        #expect(plan.shards[0].removals.isEmpty)
        #expect(plan.shards[0].appends.count == 3, "⌈250/100⌉ add calls")
        #expect(plan.shards[0].expected.prefix(300).elementsEqual(current[0]), "songs already there keep their order")
        #expect(Array(plan.shards[0].expected.suffix(250)) == new.sorted { $0.addedAt! < $1.addedAt! }.map { $0.uri! })
    }

    @Test func aSongThatLeftEverySourceLeavesInOneCall() {
        let plan = UnifiedPlan.make(
            sources: [[song("a", 1)], [song("c", 2)]], current: [["a", "b", "c"]], lastWritten: [["a", "b", "c"]])
        #expect(plan.shards[0].removals == [["b"]])
        #expect(plan.writeCount == 1)
        var keep = UnifiedPlan.Options()
        keep.propagateRemovals = false
        #expect(
            UnifiedPlan.make(sources: [[song("a", 1)]], current: [["a", "b"]], lastWritten: [["a", "b"]], options: keep)
                .writeCount == 0)
    }

    @Test func theSameRecordingUnderTwoURIsAppearsOnceAtTheRecordingLevel() {
        let sources: [[Entry]] = [[song("single", 1, isrc: "QZ1")], [song("album", 2, isrc: "qz1"), song("other", 3)]]
        var options = UnifiedPlan.Options()
        options.level = .recording
        #expect(
            UnifiedPlan.make(sources: sources, current: [], lastWritten: nil, options: options).shards[0].expected == [
                "single", "other",
            ])
        #expect(
            UnifiedPlan.make(sources: sources, current: [], lastWritten: nil).shards[0].expected == ["single", "album", "other"])
    }

    @Test func editsInTheAppUnderBothPolicies() {
        let sources: [[Entry]] = [[song("a", 1), song("b", 2), song("c", 3)]]
        // The person removed b and added x in the app.
        let stick = UnifiedPlan.make(sources: sources, current: [["a", "c", "x"]], lastWritten: [["a", "b", "c"]])
        #expect(stick.writeCount == 0, "their removal sticks and their addition stays")
        #expect(stick.personRemoved == ["song:b"])
        // Nothing was written, so the list Playkeeper last wrote is still the same.
        let later = UnifiedPlan.make(
            sources: sources, current: [["a", "c", "x"]], lastWritten: [["a", "b", "c"]], remembered: stick.personRemoved)
        #expect(later.writeCount == 0, "remembered on later runs")
        // A new song later: appended after the person's own.
        let grown = UnifiedPlan.make(
            sources: [sources[0] + [song("d", 4)]], current: [["a", "c", "x"]], lastWritten: [["a", "b", "c"]],
            remembered: stick.personRemoved)
        #expect(grown.shards[0].expected == ["a", "c", "x", "d"])

        var restore = UnifiedPlan.Options()
        restore.personRemovalsStick = false
        let restored = UnifiedPlan.make(
            sources: sources, current: [["a", "c", "x"]], lastWritten: [["a", "b", "c"]], options: restore)
        #expect(restored.restored == ["b"])
        #expect(restored.shards[0].removals == [["x"]])
        #expect(restored.shards[0].expected == ["a", "c", "b"])
    }

    @Test func shardsPast10000AreStableUnderAppends() {
        var options = UnifiedPlan.Options()
        options.shardSize = 100
        let first = (0..<250).map { song("s\($0)", Double($0)) }
        let build = UnifiedPlan.make(sources: [first], current: [], lastWritten: nil, options: options)
        #expect(build.shards.map(\.expected.count) == [100, 100, 50])
        #expect(build.shards.map(\.create) == [true, true, true])
        let shards = build.shards.map(\.expected)
        let more = first + (250..<330).map { song("s\($0)", Double($0)) }
        let update = UnifiedPlan.make(sources: [more], current: shards, lastWritten: shards, options: options)
        #expect(update.shards[0].expected == shards[0] && update.shards[1].expected == shards[1], "full shards do not shift")
        #expect(update.shards.map(\.expected.count) == [100, 100, 100, 30])
        #expect(update.shards[3].create && !update.shards[2].create)
        #expect(update.writeCount == 3, "50 into shard 3's room in one call, then a new shard: create + one call")
        // Removing a song from the first shard leaves a gap there; nothing moves between shards.
        let fewer = Array(more.dropFirst())
        let shrink = UnifiedPlan.make(
            sources: [fewer], current: update.shards.map(\.expected), lastWritten: update.shards.map(\.expected), options: options
        )
        #expect(shrink.shards[0].removals == [["s0"]])
        #expect(shrink.writeCount == 1)
        // The next new song fills that gap; still nothing moves.
        let refill = UnifiedPlan.make(
            sources: [fewer + [song("s999", 999)]], current: shrink.shards.map(\.expected),
            lastWritten: shrink.shards.map(\.expected), options: options)
        #expect(refill.shards[0].appends == [["s999"]] && refill.writeCount == 1)
    }

    @Test func aDeletedShardIsCreatedAgainWithItsOwnSongs() {
        var options = UnifiedPlan.Options()
        options.shardSize = 100
        let songs = (0..<250).map { song("s\($0)", Double($0)) }
        let shards = UnifiedPlan.make(sources: [songs], current: [], lastWritten: nil, options: options).shards.map(\.expected)
        // The person deleted the middle shard in the app: it is not a removal of its songs.
        var written = shards
        written[1] = []
        let plan = UnifiedPlan.make(
            sources: [songs], current: [shards[0], nil, shards[2]], lastWritten: written, options: options)
        #expect(plan.shards.map(\.create) == [false, true, false])
        #expect(plan.shards.map(\.expected) == shards, "the recreated shard gets its songs back, the others stay")
        #expect(plan.writeCount == 2)
    }
}

extension UnifiedPlanTests {
    @Test func spotifysCapOf10000SplitsTheLibrary() {
        let songs = (0..<25_000).map { song("s\($0)", Double($0)) }
        let plan = UnifiedPlan.make(sources: [songs], current: [], lastWritten: nil)
        #expect(plan.shards.map(\.expected.count) == [10_000, 10_000, 5_000])
        #expect(plan.shards.allSatisfy { $0.appends.allSatisfy { $0.count <= 100 } })
        #expect(plan.writeCount == 3 + 250)
    }
}
