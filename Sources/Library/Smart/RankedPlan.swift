import Foundation

/// The fewest calls that make a ranked playlist hold exactly `target`, in its order. Pure: the playlist's URIs as
/// they are now and the computed ranking come in, the writes go out.
///
/// Two ways are weighed and the one with fewer calls wins (a tie goes to editing, which touches fewer entries):
/// - **replace**: `PUT …/items` with the first 100 URIs, then appends of 100;
/// - **edit**: removals by URI (Spotify removes every copy of a URI, so a song held twice is removed and added
///   back once), then moves of the songs that stay (`range_start`, `insert_before`, `range_length`), then the new
///   songs inserted at their places, 100 to a call.
///
/// The songs that stay keep their longest run already in rank order (a longest increasing subsequence), so the
/// moves number at most kept − LIS, the fewest that single-song moves can do; songs next to each other that are
/// also next to each other in the ranking move together, as one range.
public struct RankedPlan: Sendable, Equatable {
    /// One call to Spotify's playlist items endpoint.
    public enum Write: Sendable, Equatable {
        /// `PUT …/items {"uris"}`: the playlist becomes these (at most 100).
        case replace([String])
        /// `POST …/items {"uris", "position"}`: inserted in order at `position`; appended when it is nil.
        case add([String], position: Int?)
        /// `DELETE …/items {"items"}`: every copy of each URI.
        case remove([String])
        /// `PUT …/items {"range_start", "insert_before", "range_length"}`, positions counted before the move.
        case move(rangeStart: Int, insertBefore: Int, rangeLength: Int)
    }

    public enum Strategy: String, Sendable, Equatable {
        /// The playlist already holds the ranking.
        case unchanged
        case replace
        case edit
    }

    /// URIs to a call, as the API takes them.
    public static let batch = 100

    public var strategy: Strategy
    public var writes: [Write]
    /// The calls the other way takes; for edits that cannot beat a replace, the fewest they could take (a bound,
    /// so that a long reordered playlist is not planned move by move). Nil when nothing changes.
    public var alternative: Int?
    /// The fewest single-song moves that order the songs that stay: their count less their longest run in rank
    /// order. The plan's moves are at most this (ranges move several songs in one call).
    public var minimumMoves: Int

    public var calls: Int { writes.count }

    /// - Parameters:
    ///   - current: the playlist's URIs now, in order, copies and songs no longer ranked included.
    ///   - target: the ranking, distinct URIs, best first.
    public init(current: [String], target: [String]) {
        guard current != target else {
            self.init(strategy: .unchanged, writes: [], alternative: nil, minimumMoves: 0)
            return
        }
        let replace = Self.replace(target)
        let edit = Self.edit(current: current, target: target, unlessAtLeast: replace.count + 1)
        if let writes = edit.writes, writes.count <= replace.count {
            self.init(strategy: .edit, writes: writes, alternative: replace.count, minimumMoves: edit.minimumMoves)
        } else {
            self.init(
                strategy: .replace, writes: replace, alternative: edit.writes?.count ?? edit.lowerBound,
                minimumMoves: edit.minimumMoves)
        }
    }

    private init(strategy: Strategy, writes: [Write], alternative: Int?, minimumMoves: Int) {
        self.strategy = strategy
        self.writes = writes
        self.alternative = alternative
        self.minimumMoves = minimumMoves
    }

    /// The first 100 as a replace (an empty replace clears the playlist), the rest appended 100 at a time.
    static func replace(_ target: [String]) -> [Write] {
        let batches = target.chunked(Self.batch)
        return [.replace(batches.first ?? [])] + batches.dropFirst().map { .add($0, position: nil) }
    }

    /// The edits, or nil when they would take `limit` calls or more by `lowerBound`: each range move mends at most
    /// three breakpoints (places where the next song is not the next in rank), so the moves number at least a
    /// third of them.
    static func edit(current: [String], target: [String], unlessAtLeast limit: Int = .max) -> (
        writes: [Write]?, minimumMoves: Int, lowerBound: Int
    ) {
        let rank = Dictionary(target.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var copies: [String: Int] = [:]
        for uri in current { copies[uri, default: 0] += 1 }
        // Songs no longer ranked, and songs held more than once (removed, then added back once).
        var removed: [String] = []
        var seen = Set<String>()
        for uri in current where (rank[uri] == nil || copies[uri, default: 0] > 1) && seen.insert(uri).inserted {
            removed.append(uri)
        }
        let gone = Set(removed)
        var list = current.filter { !gone.contains($0) }
        var writes: [Write] = removed.chunked(Self.batch).map { .remove($0) }

        // Moves: the longest run already in rank order stays; the others are placed in rank order, each next to
        // the nearest placed song ranked before it (or before the nearest ranked after it).
        let staying = Self.longestIncreasingRun(list.map { rank[$0] ?? 0 })
        var placed = Set(staying.map { list[$0] })
        let minimumMoves = list.count - staying.count
        let keptByRank = list.sorted { rank[$0] ?? 0 < rank[$1] ?? 0 }
        let order = Dictionary(keptByRank.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let breakpoints = Self.breakpoints(list.map { order[$0] ?? 0 })
        let additions = target.count > list.count ? 1 : 0
        let lowerBound = writes.count + (breakpoints + 2) / 3 + additions
        guard lowerBound < limit else { return (nil, minimumMoves, lowerBound) }
        var index = 0
        while index < keptByRank.count {
            let uri = keptByRank[index]
            guard !placed.contains(uri), let start = list.firstIndex(of: uri) else {
                index += 1
                continue
            }
            // The songs that follow it both in the list and in the ranking, none placed yet, go with it.
            var length = 1
            while index + length < keptByRank.count, start + length < list.count,
                list[start + length] == keptByRank[index + length], !placed.contains(keptByRank[index + length])
            {
                length += 1
            }
            // Every song ranked before it is placed by now: it goes after the last of them.
            let before = index > 0 ? keptByRank[index - 1] : nil
            let destination: Int
            if let before, let at = list.firstIndex(of: before) {
                destination = at + 1
            } else {
                let after = keptByRank[(index + length)...].first { placed.contains($0) }
                destination = after.flatMap { list.firstIndex(of: $0) } ?? list.count
            }
            // Already in place: no call.
            if destination < start || destination > start + length {
                writes.append(.move(rangeStart: start, insertBefore: destination, rangeLength: length))
                list = Self.moved(list, start: start, before: destination, length: length)
            }
            for offset in 0..<length { placed.insert(keptByRank[index + offset]) }
            index += length
        }

        // Additions: after the moves the list is the ranking less its new songs; each run of new songs goes in at
        // its place, in rank order, so that everything before it is already where it belongs.
        let present = Set(list)
        var position = 0
        while position < target.count {
            var end = position
            while end < target.count, !present.contains(target[end]) { end += 1 }
            guard end > position else {
                position += 1
                continue
            }
            for start in stride(from: position, to: end, by: Self.batch) {
                let batch = Array(target[start..<min(start + Self.batch, end)])
                writes.append(.add(batch, position: start == list.count ? nil : start))
                list.insert(contentsOf: batch, at: start)
            }
            position = end
        }
        return (writes, minimumMoves, lowerBound)
    }

    /// The places where a permutation of `0..<n` does not go on to the next number, counting its two ends (before
    /// a first song that is not 0, after a last that is not n − 1).
    static func breakpoints(_ permutation: [Int]) -> Int {
        let framed = [-1] + permutation + [permutation.count]
        return zip(framed, framed.dropFirst()).filter { $1 != $0 + 1 }.count
    }

    /// The indexes of a longest strictly increasing subsequence of `values` (patience sorting, O(n log n)).
    static func longestIncreasingRun(_ values: [Int]) -> [Int] {
        var tails: [Int] = []  // indexes into values: the smallest tail of a run of each length
        var previous = [Int](repeating: -1, count: values.count)
        for (index, value) in values.enumerated() {
            var (low, high) = (0, tails.count)
            while low < high {
                let middle = (low + high) / 2
                if values[tails[middle]] < value { low = middle + 1 } else { high = middle }
            }
            if low > 0 { previous[index] = tails[low - 1] }
            if low == tails.count { tails.append(index) } else { tails[low] = index }
        }
        var run: [Int] = []
        var at = tails.last ?? -1
        while at >= 0 {
            run.append(at)
            at = previous[at]
        }
        return run.reversed()
    }

    /// `list` after Spotify's reorder: `length` items from `start` moved before the item at `before` (counted
    /// before the move).
    static func moved(_ list: [String], start: Int, before: Int, length: Int) -> [String] {
        var list = list
        let range = list[start..<(start + length)]
        list.removeSubrange(start..<(start + length))
        list.insert(contentsOf: range, at: before > start ? before - length : before)
        return list
    }

    /// What the playlist holds after `writes`, applied as Spotify applies them; nil when a write is one Spotify
    /// refuses (more than 100 URIs, a position past the end, a range outside the playlist). For checking a plan.
    public static func apply(_ writes: [Write], to list: [String]) -> [String]? {
        var list = list
        for write in writes {
            switch write {
            case .replace(let uris):
                guard uris.count <= batch else { return nil }
                list = uris
            case .add(let uris, let position):
                guard !uris.isEmpty, uris.count <= batch, (position ?? 0) >= 0, (position ?? 0) <= list.count else {
                    return nil
                }
                list.insert(contentsOf: uris, at: position ?? list.count)
            case .remove(let uris):
                guard !uris.isEmpty, uris.count <= batch else { return nil }
                let doomed = Set(uris)
                list.removeAll { doomed.contains($0) }
            case .move(let start, let before, let length):
                // A destination inside the range itself is left out: what Spotify does with it is not documented.
                guard length > 0, start >= 0, start + length <= list.count, before >= 0, before <= list.count,
                    before <= start || before >= start + length
                else { return nil }
                // Written as the reference says it, apart from `moved`, so that a plan is checked against it: the
                // range goes before the item that was at `insert_before` (or to the end).
                let range = start..<(start + length)
                var result: [String] = []
                for (index, uri) in list.enumerated() {
                    if index == before { result += list[range] }
                    if !range.contains(index) { result.append(uri) }
                }
                if before == list.count { result += list[range] }
                list = result
            }
        }
        return list
    }
}

extension Array {
    /// The array in consecutive slices of at most `size`.
    fileprivate func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
