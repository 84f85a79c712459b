import Foundation

/// Finds the duplicates of one playlist. Pure: values in, groups out.
public struct DuplicateFinder: Sendable {
    public var level: MatchLevel
    public var keep: KeepPolicy
    public var ignored: Set<IgnoredPair>
    /// Durations within this many milliseconds count as the same song at the `similar` level.
    public static let similarDurationTolerance = 2_000

    public init(level: MatchLevel = .exact, keep: KeepPolicy = .first, ignored: Set<IgnoredPair> = []) {
        self.level = level
        self.keep = keep
        self.ignored = ignored
    }

    public func groups(in items: [DedupeItem]) -> [DuplicateGroup] {
        let candidates = items.filter { $0.uri != nil }
        var union = UnionFind(count: candidates.count)

        // The group's rule is worked out from its members afterwards; a pair a person exempted is never joined.
        func join(_ a: Int, _ b: Int, _ rule: MatchLevel) {
            guard let first = candidates[a].uri, let second = candidates[b].uri else { return }
            if first != second, ignored.contains(IgnoredPair(first, second)) { return }
            union.union(a, b)
        }

        // exact: the same URI (the playlist's URI already stands for a relinked track's original).
        bucket(candidates, by: { $0.uri }).forEach { members in chain(members, .exact, join) }
        if level >= .recording {
            bucket(candidates, by: { $0.isrc.flatMap { $0.isEmpty ? nil : $0.uppercased() } }).forEach {
                chain($0, .recording, join)
            }
        }
        if level >= .similar {
            let keyed = bucket(candidates) { Self.similarKey(name: $0.name, artists: $0.artists) }
            for members in keyed {
                // Within a title and artist set, durations must be within the tolerance, chained in order.
                let sorted = members.sorted { (candidates[$0].durationMS ?? 0) < (candidates[$1].durationMS ?? 0) }
                for (a, b) in zip(sorted, sorted.dropFirst()) {
                    guard let first = candidates[a].durationMS, let second = candidates[b].durationMS,
                        second - first <= Self.similarDurationTolerance
                    else { continue }
                    join(a, b, .similar)
                }
            }
        }

        var byRoot: [Int: [Int]] = [:]
        for index in candidates.indices { byRoot[union.find(index), default: []].append(index) }
        return byRoot.values.filter { $0.count > 1 }
            .map { makeGroup($0.map { candidates[$0] }.sorted { $0.position < $1.position }) }
            .compactMap { $0 }
            .sorted { $0.kept < $1.kept }
    }

    /// The `similar` level's key: the base title, the set of artists and the version markers. `nil` when the
    /// title or the artists are unknown.
    public static func similarKey(name: String?, artists: [String]) -> String? {
        guard let name, !artists.isEmpty else { return nil }
        let markers = VersionMarkers.markers(in: name).sorted().joined(separator: ",")
        return VersionMarkers.baseTitle(name) + "|" + Set(artists.map { $0.lowercased() }).sorted().joined(separator: ",") + "|"
            + markers
    }

    private func bucket(_ items: [DedupeItem], by key: (DedupeItem) -> String?) -> [[Int]] {
        var buckets: [String: [Int]] = [:]
        for (index, item) in items.enumerated() { if let value = key(item) { buckets[value, default: []].append(index) } }
        return buckets.values.filter { $0.count > 1 }
    }

    private func chain(_ members: [Int], _ rule: MatchLevel, _ join: (Int, Int, MatchLevel) -> Void) {
        for (a, b) in zip(members, members.dropFirst()) { join(a, b, rule) }
    }

    private func makeGroup(_ members: [DedupeItem]) -> DuplicateGroup? {
        let uris = members.compactMap(\.uri)
        let rule: MatchLevel
        if Set(uris).count == 1 {
            rule = .exact
        } else if Set(members.compactMap { $0.isrc?.uppercased() }).count == 1, members.allSatisfy({ $0.isrc != nil }) {
            rule = .recording
        } else {
            rule = .similar
        }
        let removable = members.filter(\.isRemovable)
        let leftAlone = members.filter { !$0.isRemovable }.map(\.position)
        guard let (keeper, reason) = chooseKeeper(removable.isEmpty ? members : removable) else { return nil }
        let removed = removable.filter { $0.position != keeper.position }.map(\.position)
        guard !removed.isEmpty else { return nil }
        let name = keeper.name ?? keeper.uri ?? "this song"
        let why: String
        switch rule {
        case .exact: why = "the same track appears \(members.count) times"
        case .recording: why = "the same recording (ISRC \(keeper.isrc ?? "?")) appears under \(Set(uris).count) track URIs"
        case .similar: why = "the same title and artists with durations within 2 s"
        }
        var explanation = "“\(name)”: \(why); keeping position \(keeper.position + 1) (\(reason)), removing \(removed.count)."
        if !leftAlone.isEmpty {
            explanation += " \(leftAlone.count) local or unavailable cop\(leftAlone.count == 1 ? "y is" : "ies are") left alone."
        }
        return DuplicateGroup(
            id: DuplicateGroup.id(rule: rule, uris: uris), rule: rule, kept: keeper.position, keptBecause: reason,
            removed: removed,
            leftAlone: leftAlone, explanation: explanation)
    }

    /// The copy that stays under the keep policy; ties go to the first.
    func chooseKeeper(_ members: [DedupeItem]) -> (DedupeItem, String)? {
        guard let first = members.min(by: { $0.position < $1.position }) else { return nil }
        switch keep {
        case .first:
            return (first, "it comes first")
        case .oldest:
            let dated = members.filter { $0.addedAt != nil }
            guard let oldest = dated.min(by: { ($0.addedAt!, $0.position) < ($1.addedAt!, $1.position) }) else {
                return (first, "it comes first")
            }
            return (oldest, "it was added first")
        case .newest:
            let dated = members.filter { $0.addedAt != nil }
            guard let newest = dated.max(by: { ($0.addedAt!, -$0.position) < ($1.addedAt!, -$1.position) }) else {
                return (first, "it comes first")
            }
            return (newest, "it was added last")
        case .playable:
            if let playable = members.filter({ $0.isPlayable != false }).min(by: { $0.position < $1.position }) {
                return (playable, members.contains { $0.isPlayable == false } ? "it is playable" : "it comes first")
            }
            return (first, "it comes first")
        case .album:
            if let album = members.filter({ $0.albumType == "album" }).min(by: { $0.position < $1.position }) {
                return (album, members.contains { $0.albumType != "album" } ? "it is the album release" : "it comes first")
            }
            return (first, "it comes first")
        }
    }
}

/// Disjoint sets over indices, with path compression.
struct UnionFind {
    private var parent: [Int]

    init(count: Int) { parent = Array(0..<count) }

    mutating func find(_ x: Int) -> Int {
        var root = x
        while parent[root] != root { root = parent[root] }
        var node = x
        while parent[node] != root {
            let next = parent[node]
            parent[node] = root
            node = next
        }
        return root
    }

    mutating func union(_ a: Int, _ b: Int) {
        let (rootA, rootB) = (find(a), find(b))
        if rootA != rootB { parent[max(rootA, rootB)] = min(rootA, rootB) }
    }
}
