import Foundation
import SpotifyWebAPI

/// The writes that remove a playlist's duplicates, computed on one snapshot.
///
/// Spotify removes every copy of a URI (positions are ignored), so to drop only the extra copies the plan
/// removes the URI and adds one copy back where the kept copy must stand. Only those re-added copies get a
/// new `added_at`. When that would touch more entries than rebuilding, and the playlist holds no local files
/// and no unavailable entries (which a rebuild would lose), the plan rebuilds it instead.
public struct DedupePlan: Sendable, Equatable, Codable {
    public enum Operation: Sendable, Equatable, Codable {
        /// `DELETE /items` with these URIs (every copy of each goes), at most 100.
        case remove([String])
        /// `POST /items` with these URIs at `position`, at most 100.
        case add([String], position: Int)
        /// `PUT /items` with these URIs (the whole playlist, first 100).
        case replace([String])
        /// `POST /items` appended, at most 100.
        case append([String])
        /// `PUT /items` with `range_start`, `insert_before` and `range_length` (positions counted before the move)
        /// and the snapshot the previous write left.
        case move(rangeStart: Int, insertBefore: Int, rangeLength: Int)
    }

    /// The snapshot the plan was computed on; applying it to another is refused.
    public var snapshotID: String?
    public var groups: [DuplicateGroup]
    public var operations: [Operation]
    /// The URIs in order once applied.
    public var expected: [String?]
    /// The final positions of copies that are re-added and so get today's `added_at`.
    public var readded: [Int]
    public var rebuilds: Bool

    public var writeCount: Int { operations.count }

    /// Plans the removal of `removed` positions from `entries` (the playlist's URIs in order, `nil` for unavailable).
    public static func make(entries: [String?], groups: [DuplicateGroup], snapshotID: String?, isLocal: [Bool]) -> DedupePlan {
        let doomed = Set(groups.flatMap(\.removed))
        var expected: [String?] = []
        for (position, uri) in entries.enumerated() where !doomed.contains(position) { expected.append(uri) }

        // URIs that lose a copy; every copy of each goes, so the kept ones must come back.
        let losing = Set(doomed.compactMap { entries[$0] })
        let removedURIs = entries.compactMap { $0 }.filter { losing.contains($0) }.reduce(into: [String]()) { list, uri in
            if !list.contains(uri) { list.append(uri) }
        }
        let readded = expected.indices.filter { expected[$0].map(losing.contains) ?? false }
        let touched = entries.filter { $0.map(losing.contains) ?? false }.count + readded.count

        var operations: [Operation] = []
        let canRebuild = !isLocal.contains(true) && !entries.contains(nil)
        if canRebuild, touched > expected.count {
            return DedupePlan(
                snapshotID: snapshotID, groups: groups, operations: rebuild(expected.compactMap { $0 }), expected: expected,
                readded: Array(expected.indices),
                rebuilds: true)
        }
        operations += removedURIs.chunked(100).map(Operation.remove)
        // Re-adds in ascending final position, contiguous runs in one call: each lands where it must stand.
        var run: [Int] = []
        func flush() {
            guard let first = run.first else { return }
            operations.append(.add(run.map { expected[$0]! }, position: first))
            run = []
        }
        for position in readded {
            if let last = run.last, position != last + 1 || run.count == 100 { flush() }
            run.append(position)
        }
        flush()
        return DedupePlan(
            snapshotID: snapshotID, groups: groups, operations: operations, expected: expected, readded: readded, rebuilds: false)
    }

    /// The writes that make a playlist exactly `uris`: one replace with the first 100, then appends.
    public static func rebuild(_ uris: [String]) -> [Operation] {
        [.replace(Array(uris.prefix(100)))] + Array(uris.dropFirst(100)).chunked(100).map(Operation.append)
    }

    /// What Spotify's playlist becomes under these operations: removal takes every copy of a URI.
    public static func simulate(_ operations: [Operation], on entries: [String?]) -> [String?] {
        var list = entries
        for operation in operations {
            switch operation {
            case .remove(let uris):
                let doomed = Set(uris)
                list.removeAll { $0.map(doomed.contains) ?? false }
            case .add(let uris, let position):
                list.insert(contentsOf: uris.map(Optional.some), at: min(position, list.count))
            case .replace(let uris):
                list = uris.map(Optional.some)
            case .append(let uris):
                list.append(contentsOf: uris.map(Optional.some))
            case .move(let start, let before, let length):
                guard start >= 0, length > 0, start + length <= list.count, (0...list.count).contains(before) else { continue }
                let moving = list[start..<start + length]
                list.removeSubrange(start..<start + length)
                list.insert(contentsOf: moving, at: before > start ? before - length : before)
            }
        }
        return list
    }
}
