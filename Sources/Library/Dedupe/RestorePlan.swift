import Foundation

/// The writes that bring a playlist back to an earlier list of entries, after a dedupe (finished or not).
///
/// A dedupe only removes copies and adds kept ones back, so every state it passes through keeps the original
/// order minus some copies. Undo re-inserts the missing copies at their original positions: local files and
/// unavailable entries, which the API cannot add, were never removed and are never touched.
public enum RestorePlan {
    /// `nil` when `current` is not the original with some entries taken out (the playlist changed otherwise).
    public static func make(current: [String?], original: [String?]) -> [DedupePlan.Operation]? {
        // Match the current entries, in order, against the original.
        var matched = [Bool](repeating: false, count: original.count)
        var index = 0
        for entry in current {
            while index < original.count, original[index] != entry { index += 1 }
            guard index < original.count else { return nil }
            matched[index] = true
            index += 1
        }
        var operations: [DedupePlan.Operation] = []
        var run: [String] = []
        var runStart = 0
        for position in original.indices where !matched[position] {
            guard let uri = original[position] else { return nil }  // an unavailable entry cannot be added back
            if run.isEmpty || position != runStart + run.count || run.count == 100 {
                if !run.isEmpty { operations.append(.add(run, position: runStart)) }
                run = []
                runStart = position
            }
            run.append(uri)
        }
        if !run.isEmpty { operations.append(.add(run, position: runStart)) }
        return operations
    }
}
