import Library
import Testing

/// Recovery's decision, without HTTP or a store: finish from any state the change's own writes lead to, roll back
/// when only songs it took out are missing, and otherwise leave the playlist alone.
struct RecoveryPlanTests {
    // The copies at 2 and 4 go: a and b are removed (every copy) and added back at 0 and 1.
    let original: [String?] = ["a", "b", "a", "c", "b", "d", "e", "f", "g", "h"]
    var plan: DedupePlan {
        let items = original.enumerated().map {
            DedupeItem(position: $0.offset, uri: $0.element, name: $0.element, artists: ["a"], isrc: $0.element)
        }
        return DedupePlan.make(
            entries: original, groups: DuplicateFinder(level: .exact).groups(in: items), snapshotID: nil,
            isLocal: original.map { _ in false })
    }

    @Test func everyStateOfTheWriteSequenceFinishesToThePlannedResult() {
        let operations = plan.operations
        #expect(!plan.rebuilds && operations.count == 2)
        let states = RecoveryPlan.states(original: original, operations: operations)
        #expect(states.count == operations.count + 1)
        for (completed, state) in states.enumerated() {
            let decision = RecoveryPlan.decide(
                original: original, operations: operations, current: state, unordered: false, canRollBack: true)
            guard case .finish(let done, let remaining) = decision else {
                Issue.record("state after \(completed) writes: \(decision)")
                continue
            }
            #expect(DedupePlan.simulate(remaining, on: state) == plan.expected, "from \(done) writes")
        }
    }

    @Test func aRemovalThatTookOnlySomeOfItsSongsIsSentAgainForTheRest() {
        // Only "a" is gone of the removal of a and b.
        let current: [String?] = ["b", "c", "b", "d", "e", "f", "g", "h"]
        let decision = RecoveryPlan.decide(
            original: original, operations: plan.operations, current: current, unordered: false, canRollBack: true)
        guard case .finish(0, let remaining) = decision else {
            Issue.record("\(decision)")
            return
        }
        #expect(remaining.first == .remove(["b"]))
        #expect(DedupePlan.simulate(remaining, on: current) == plan.expected)
    }

    @Test func onlySongsTheChangeTookOutArePutBack() {
        // After the removal, the person's own re-add of "a" at the end: no state of the plan, but restorable? No:
        // "a" at the end is not in the original order, so the playlist is left alone.
        let edited: [String?] = ["c", "d", "e", "f", "g", "h", "a"]
        #expect(
            RecoveryPlan.decide(
                original: original, operations: plan.operations, current: edited, unordered: false, canRollBack: true)
                == .leave(reason: "the playlist was changed in another way since the change was interrupted"))
        // The person removed "d", a song the change never touched: putting it back would undo their edit.
        let removedByPerson: [String?] = ["c", "e", "f", "g", "h"]
        if case .rollBack = RecoveryPlan.decide(
            original: original, operations: plan.operations, current: removedByPerson, unordered: false, canRollBack: true)
        {
            Issue.record("a song the person removed is put back")
        }
        // Only copies of a and b missing, in no state of the plan (a half-applied re-add): rolled back.
        let halfway: [String?] = ["b", "c", "d", "e", "f", "g", "h"]
        guard
            case .rollBack(let restore) = RecoveryPlan.decide(
                original: original, operations: plan.operations, current: halfway, unordered: false, canRollBack: true)
        else {
            Issue.record("not rolled back")
            return
        }
        #expect(DedupePlan.simulate(restore, on: halfway) == original)
        // An undo is never "rolled back".
        #expect(
            RecoveryPlan.decide(
                original: original, operations: plan.operations, current: halfway, unordered: false, canRollBack: false)
                == .leave(reason: "the playlist was changed in another way since the change was interrupted"))
    }

    @Test func likedSongsCompareAsSets() {
        let liked: [String?] = ["x", "y", "z"]
        let operations: [DedupePlan.Operation] = [.remove(["y"])]
        #expect(
            RecoveryPlan.decide(original: liked, operations: operations, current: ["z", "x"], unordered: true, canRollBack: true)
                == .finish(completed: 1, remaining: []))
        #expect(
            RecoveryPlan.decide(
                original: liked, operations: operations, current: ["z", "y", "x"], unordered: true, canRollBack: true)
                == .finish(completed: 0, remaining: operations))
    }
}

extension RecoveryPlanTests {
    /// When Spotify refuses the rest of a change, recovery goes back instead: from any state of the write sequence,
    /// the restore writes lead to the original.
    @Test func fromEveryStateOfTheWriteSequenceTheOriginalCanBeRestored() {
        for (completed, state) in RecoveryPlan.states(original: original, operations: plan.operations).enumerated() {
            let restore = RecoveryPlan.rollBack(
                original: original, operations: plan.operations, current: state, unordered: false)
            #expect(restore.map { DedupePlan.simulate($0, on: state) } == original, "after \(completed) writes")
        }
    }
}
