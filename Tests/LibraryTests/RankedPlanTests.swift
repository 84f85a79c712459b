import Testing

@testable import Library

/// The plan that brings a ranked playlist to its ranking: after any plan the playlist equals the ranking, with
/// as many calls as the plan counts, never more than the other way, and moves within the fewest single moves.
struct RankedPlanTests {
    static func uris(_ names: some Sequence<Int>) -> [String] { names.map { "spotify:track:\($0)" } }

    @Test func anyPlanLeavesThePlaylistEqualToTheRanking() {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            let universe = Self.uris(0..<Int.random(in: 1...160, using: &random))
            // The playlist now: songs of the universe, some twice, some no longer ranked.
            let current = (0..<Int.random(in: 0...140, using: &random)).map { _ in universe.randomElement(using: &random)! }
            // The ranking: mostly the playlist's songs in their order with a few changes (as after a day of plays),
            // or anything at all.
            var target: [String]
            if Bool.random(using: &random) {
                var seen = Set<String>()
                target = current.filter { seen.insert($0).inserted && Int.random(in: 0..<10, using: &random) > 0 }
                for _ in 0..<Int.random(in: 0...4, using: &random) where target.count > 1 {
                    let from = Int.random(in: 0..<target.count, using: &random)
                    let song = target.remove(at: from)
                    target.insert(song, at: Int.random(in: 0...target.count, using: &random))
                }
                for song in universe.shuffled(using: &random).prefix(Int.random(in: 0...3, using: &random))
                where !target.contains(song) {
                    target.insert(song, at: Int.random(in: 0...target.count, using: &random))
                }
            } else {
                target = Array(universe.shuffled(using: &random).prefix(Int.random(in: 0...universe.count, using: &random)))
            }
            let plan = RankedPlan(current: current, target: target)
            let after = RankedPlan.apply(plan.writes, to: current)
            #expect(after == target, "\(current) → \(target): \(plan.writes)")
            if let alternative = plan.alternative { #expect(plan.calls <= alternative) }
            let moves = plan.writes.filter { if case .move = $0 { true } else { false } }.count
            if plan.strategy == .edit { #expect(moves <= plan.minimumMoves, "\(plan.writes)") }
            #expect((plan.strategy == .unchanged) == (current == target))
            // The edits alone, planned in full: they reach the ranking too, in no fewer calls than their bound.
            let edit = RankedPlan.edit(current: current, target: target)
            #expect(RankedPlan.apply(edit.writes ?? [], to: current) == target, "\(current) → \(target)")
            #expect((edit.writes?.count ?? 0) >= edit.lowerBound)
        }
    }

    @Test func aReversedPlaylistIsReplacedAndAnUnchangedOneIsLeftAlone() throws {
        let songs = Self.uris(0..<100)
        let reversed = RankedPlan(current: songs, target: songs.reversed())
        #expect(reversed.strategy == .replace && reversed.calls <= 2)
        #expect(reversed.minimumMoves == 99)
        // Its edits are not planned move by move: 101 breakpoints need at least 34 range moves.
        #expect(reversed.alternative == 34)
        #expect(RankedPlan.breakpoints([0, 1, 2]) == 0 && RankedPlan.breakpoints([2, 1, 0]) == 4)
        #expect(RankedPlan.apply(reversed.writes, to: songs) == songs.reversed())
        let unchanged = RankedPlan(current: songs, target: songs)
        #expect(unchanged.strategy == .unchanged && unchanged.writes.isEmpty)
        // Past 100 songs a replace takes one call a hundred.
        let many = Self.uris(0..<250)
        #expect(RankedPlan(current: [], target: many).calls == 3)
        // Emptied: one replace with no URIs, or one removal.
        #expect(RankedPlan(current: songs, target: []).calls == 1)
    }

    @Test func aDayOfNewPlaysTakesAFewCalls() throws {
        // Fifty songs; one climbs three places, one leaves, one arrives at tenth place.
        let now = Self.uris(0..<50)
        var next = now
        next.remove(at: 40)
        let climber = next.remove(at: 20)
        next.insert(climber, at: 17)
        next.insert("spotify:track:new", at: 9)
        let edit = RankedPlan.edit(current: now, target: next)
        #expect(edit.minimumMoves == 1)
        #expect(
            edit.writes == [
                .remove(["spotify:track:40"]),
                .move(rangeStart: 20, insertBefore: 17, rangeLength: 1),
                .add(["spotify:track:new"], position: 9),
            ])
        #expect(RankedPlan.apply(edit.writes ?? [], to: now) == next)
        // Fifty songs fit one replace, which is cheaper than three edits; past 200 songs the edits win.
        let plan = RankedPlan(current: now, target: next)
        #expect(plan.strategy == .replace && plan.calls == 1 && plan.alternative == 3)
        let long = Self.uris(0..<250)
        var longNext = long
        longNext.swapAt(3, 4)
        longNext.append("spotify:track:new")
        let edited = RankedPlan(current: long, target: longNext)
        #expect(edited.strategy == .edit && edited.calls == 2 && edited.alternative == 3)
        #expect(RankedPlan.apply(edited.writes, to: long) == longNext)
    }

    @Test func songsNextToEachOtherMoveAsOneRange() {
        // Songs 10 to 19 move to the top together: kept − LIS is 10 single moves, one range does it.
        let now = Self.uris(0..<30)
        let next = Self.uris(10..<20) + Self.uris(0..<10) + Self.uris(20..<30)
        let plan = RankedPlan.edit(current: now, target: next)
        #expect(plan.minimumMoves == 10)
        #expect(plan.writes?.count == 1)
        guard case .move(_, _, let length) = plan.writes?.first else {
            Issue.record("expected one move: \(plan.writes)")
            return
        }
        #expect(length == 10)
        #expect(RankedPlan.apply(plan.writes ?? [], to: now) == next)
    }

    @Test func aSongHeldTwiceIsRemovedAndAddedBackOnce() {
        // Spotify removes every copy of a URI: the song goes, then comes back once, where it ranks.
        let songs = Self.uris(0..<150)
        let plan = RankedPlan(current: songs + ["spotify:track:5"], target: songs)
        #expect(plan.strategy == .edit)
        #expect(plan.writes == [.remove(["spotify:track:5"]), .add(["spotify:track:5"], position: 5)])
    }

    @Test func theLongestRunInOrderIsFound() {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let values = (0..<Int.random(in: 0...12, using: &random)).map { _ in Int.random(in: 0..<8, using: &random) }
            let run = RankedPlan.longestIncreasingRun(values)
            #expect(zip(run, run.dropFirst()).allSatisfy { $0 < $1 && values[$0] < values[$1] }, "\(values): \(run)")
            // No longer strictly increasing subsequence exists (checked over every subset).
            var longest = 0
            for mask in 0..<(1 << values.count) {
                let picked = values.indices.filter { mask & (1 << $0) != 0 }.map { values[$0] }
                if zip(picked, picked.dropFirst()).allSatisfy({ $0 < $1 }) { longest = max(longest, picked.count) }
            }
            #expect(run.count == longest, "\(values)")
        }
    }
}
