import Foundation
import SpotifyWebAPI

/// What to do with a change that was interrupted, decided from the playlist as Spotify has it now. Pure: the
/// caller re-reads the playlist and carries the decision out.
public enum RecoveryDecision: Sendable, Equatable {
    /// The playlist is where the change's own writes leave it after `completed` of them (one of those possibly
    /// sent again in part): send `remaining` to reach the planned result.
    case finish(completed: Int, remaining: [DedupePlan.Operation])
    /// The playlist is the original with only entries the change removed missing: these writes restore it.
    case rollBack([DedupePlan.Operation])
    /// Neither is safe: the playlist was changed in another way meanwhile.
    case leave(reason: String)
}

public enum RecoveryPlan {
    /// Decides between finishing, rolling back and leaving a change alone.
    ///
    /// - Parameters:
    ///   - original: the entries before the change, as journaled (`nil` for unavailable entries).
    ///   - operations: the change's writes, in order.
    ///   - current: the entries as Spotify has them now.
    ///   - unordered: Liked Songs, whose order Playkeeper does not control: states compare as sets.
    ///   - canRollBack: whether restoring the original is a meaningful way back (not for an undo).
    public static func decide(
        original: [String?], operations: [DedupePlan.Operation], current: [String?], unordered: Bool, canRollBack: Bool
    ) -> RecoveryDecision {
        let states = self.states(original: original, operations: operations)
        let same: ([String?], [String?]) -> Bool =
            unordered ? { Set($0.compactMap { $0 }) == Set($1.compactMap { $0 }) && $0.count == $1.count } : { $0 == $1 }

        // Every state the write sequence passes through; any match leads to the same result, so take the latest.
        for completed in states.indices.reversed() where same(current, states[completed]) {
            return .finish(completed: completed, remaining: Array(operations[completed...]))
        }
        // A removal that took only some of its songs: send it again for the ones still there.
        for (index, operation) in operations.enumerated() {
            guard case .remove(let uris) = operation else { continue }
            let doomed = Set(uris)
            let present = Set(current.compactMap { $0 })
            let gone = doomed.filter { uri in states[index].contains(uri) && !present.contains(uri) }
            let left = uris.filter { !gone.contains($0) && states[index].contains($0) }
            guard !gone.isEmpty, !left.isEmpty else { continue }
            let partial = states[index].filter { !($0.map(gone.contains) ?? false) }
            if same(current, partial) {
                return .finish(completed: index, remaining: [.remove(left)] + operations[(index + 1)...])
            }
        }
        if canRollBack, let restore = rollBack(original: original, operations: operations, current: current, unordered: unordered)
        {
            return .rollBack(restore)
        }
        return .leave(reason: "the playlist was changed in another way since the change was interrupted")
    }

    /// The writes that restore the original, when only songs the change itself took out are missing (anything
    /// else missing was the person's doing, and putting it back would undo their edit); `nil` otherwise.
    public static func rollBack(
        original: [String?], operations: [DedupePlan.Operation], current: [String?], unordered: Bool
    ) -> [DedupePlan.Operation]? {
        let touched = Set(
            operations.flatMap { operation -> [String] in
                switch operation {
                case .remove(let uris): uris
                case .replace: original.compactMap { $0 }
                case .add, .append, .move: []
                }
            })
        if unordered {
            let now = Set(current.compactMap { $0 })
            let before = original.compactMap { $0 }
            let missing = before.filter { !now.contains($0) }
            guard now.isSubset(of: Set(before)), missing.allSatisfy(touched.contains) else { return nil }
            return missing.chunked(SpotifyClient.libraryWriteBatch).map { .add($0, position: 0) }
        }
        guard let restore = RestorePlan.make(current: current, original: original),
            restore.allSatisfy({ operation in
                guard case .add(let uris, _) = operation else { return false }
                return uris.allSatisfy(touched.contains)
            })
        else { return nil }
        return restore
    }

    /// The entries before each write and after the last: `states[k]` is the playlist once `k` writes are applied.
    public static func states(original: [String?], operations: [DedupePlan.Operation]) -> [[String?]] {
        var states = [original]
        for operation in operations {
            states.append(DedupePlan.simulate([operation], on: states[states.count - 1]))
        }
        return states
    }
}
