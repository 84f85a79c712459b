import Foundation
import SpotifyWebAPI

/// What the unified playlist should hold, and the fewest writes that get each shard there.
///
/// Pure: the sources and the unified playlist's current shards come in as values, the plan goes out.
/// Songs are identified at a match level, so a song sitting in three playlists appears once. The first
/// build orders songs by (earliest `added_at` in any source, then source order, then position); songs
/// that arrive later are appended in that same order, and songs already there are never reordered.
/// Each shard holds at most `shardSize` entries. A placed song never moves: missing songs fill the first
/// shard with room (in steady state every shard but the last is full, so new songs go to the last one),
/// and adding songs never shifts the others.
public struct UnifiedPlan: Sendable, Equatable {
    /// One source entry, as the planner needs it.
    public struct SourceEntry: Sendable, Equatable {
        public var uri: String?
        public var addedAt: Date?
        public var isLocal: Bool
        public var isEpisode: Bool
        /// `false` for `item: null` or `is_playable: false`.
        public var isAvailable: Bool
        public var isrc: String?
        /// A key for the `similar` level (normalised title, artists, version markers).
        public var similarKey: String?

        public init(
            uri: String?, addedAt: Date? = nil, isLocal: Bool = false, isEpisode: Bool = false, isAvailable: Bool = true,
            isrc: String? = nil, similarKey: String? = nil
        ) {
            self.uri = uri
            self.addedAt = addedAt
            self.isLocal = isLocal
            self.isEpisode = isEpisode
            self.isAvailable = isAvailable
            self.isrc = isrc
            self.similarKey = similarKey
        }
    }

    public struct Options: Sendable, Equatable {
        public var level: MatchLevel = .exact
        public var includeEpisodes = false
        /// A song that left every source leaves the unified playlist.
        public var propagateRemovals = true
        /// Songs the person removed in the app stay removed (`true`), or Playkeeper puts its list back.
        public var personRemovalsStick = true
        public var shardSize = 10_000

        public init() {}
    }

    /// Per shard: the URIs to remove and to append, in batches the API takes.
    public struct ShardWrites: Sendable, Equatable {
        public var shard: Int
        /// `true` when the shard does not exist yet and must be created.
        public var create: Bool
        public var removals: [[String]]
        public var appends: [[String]]
        public var expected: [String]
    }

    public var shards: [ShardWrites]
    /// Entries that cannot be added (local files, unavailable), reported rather than dropped silently.
    public var skipped: [SourceEntry]
    /// Songs the person removed from the unified playlist in the app, remembered so they are not re-added.
    public var personRemoved: Set<String>
    /// Songs Playkeeper put back because the policy restores its own list.
    public var restored: [String]
    /// Songs the person added in the app that no source holds: kept while their edits stick, and never
    /// counted as written by Playkeeper.
    public var personAdded: Set<String>

    public var writeCount: Int {
        shards.reduce(0) { $0 + $1.removals.count + $1.appends.count + ($1.create ? 1 : 0) }
    }

    /// - Parameters:
    ///   - sources: each source playlist's entries in order, the sources in their list order.
    ///   - current: the unified playlist's shards as they are now (URIs in order); `nil` for a shard that does
    ///     not exist (deleted in the app), which is created again.
    ///   - lastWritten: the shards as Playkeeper last wrote them (a run that wrote nothing leaves this as it
    ///     was): songs missing from `current` but present here were removed by the person in the app, and
    ///     songs in `current` but not here were added by them.
    ///   - remembered: songs the person removed earlier, which stay out while the policy says so.
    public static func make(
        sources: [[SourceEntry]], current: [[String]?], lastWritten: [[String]]?, remembered: Set<String> = [],
        options: Options = Options()
    ) -> UnifiedPlan {
        // 1. The songs of the sources, in first-added order, one representative URI each.
        var skipped: [SourceEntry] = []
        var candidates: [(entry: SourceEntry, uri: String, addedAt: Date?, source: Int, position: Int)] = []
        for (sourceIndex, entries) in sources.enumerated() {
            for (position, entry) in entries.enumerated() {
                guard let uri = entry.uri, !entry.isLocal, entry.isAvailable else {
                    skipped.append(entry)
                    continue
                }
                if entry.isEpisode && !options.includeEpisodes { continue }
                candidates.append((entry, uri, entry.addedAt, sourceIndex, position))
            }
        }
        candidates.sort { a, b in
            switch (a.addedAt, b.addedAt) {
            case let (x?, y?) where x != y: return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return (a.source, a.position) < (b.source, b.position)
            }
        }
        // Songs are the classes of the match level's equivalences (the same URI; the same ISRC; the same
        // title key), each represented by its earliest entry.
        var union = UnionFind(count: candidates.count)
        var firstByKey: [String: Int] = [:]
        for (index, candidate) in candidates.enumerated() {
            let entry = candidate.entry
            var keys = ["uri:" + candidate.uri]
            if options.level >= .recording, let isrc = entry.isrc, !isrc.isEmpty { keys.append("isrc:" + isrc.uppercased()) }
            if options.level >= .similar, let similar = entry.similarKey { keys.append("similar:" + similar) }
            for key in keys {
                if let first = firstByKey[key] { union.union(first, index) } else { firstByKey[key] = index }
            }
        }
        var songs: [String: String] = [:]  // song key -> representative URI
        var order: [String] = []
        var keyOfURI: [String: String] = [:]
        for index in candidates.indices {
            let root = union.find(index)
            let key = "song:" + candidates[root].uri
            keyOfURI[candidates[index].uri] = key
            if songs[key] == nil {
                songs[key] = candidates[root].uri
                order.append(key)
            }
        }

        // 2. What the person changed in the app since Playkeeper last wrote: removals, and songs they added
        //    that no source holds. A remembered removal ends when they add the song back themselves.
        var personRemoved = remembered
        var personAdded = Set<String>()
        let now = Set(current.compactMap { $0 }.joined())
        personRemoved.subtract(now.map { keyOfURI[$0] ?? $0 })
        if let lastWritten {
            let written = Set(lastWritten.joined())
            for uri in written where !now.contains(uri) { personRemoved.insert(keyOfURI[uri] ?? uri) }
            personAdded = now.subtracting(written).filter { songs[keyOfURI[$0] ?? $0] == nil }
        }
        var restored: [String] = []
        if !options.personRemovalsStick {
            restored = order.filter { personRemoved.contains($0) }.compactMap { songs[$0] }
            personRemoved = []
        }

        // 3. Per shard: keep what is there and still wanted; remove what left every source; append the rest.
        var shards: [ShardWrites] = []
        var present = Set<String>()  // song keys already placed
        for (index, existing) in current.enumerated() {
            let shard = existing ?? []
            var kept: [String] = []
            var doomed: [String] = []
            for uri in shard {
                let key = keyOfURI[uri] ?? uri
                // A song the person added themselves stays while their edits are respected.
                let stillWanted =
                    (songs[key] != nil && !personRemoved.contains(key))
                    || (options.personRemovalsStick && personAdded.contains(uri))
                if present.contains(key) || (!stillWanted && options.propagateRemovals) {
                    doomed.append(uri)  // a second copy, or a song that left every source
                } else {
                    kept.append(uri)
                    present.insert(key)
                }
            }
            // Removal takes every copy of a URI: a URI kept once must not also be removed.
            let keptSet = Set(kept)
            let removals = Array(Set(doomed).subtracting(keptSet)).sorted()
            shards.append(
                ShardWrites(shard: index, create: existing == nil, removals: removals.chunked(100), appends: [], expected: kept))
        }
        let missing = order.filter { !present.contains($0) && !personRemoved.contains($0) }.compactMap { songs[$0] }
        var queue = missing[...]
        if shards.isEmpty { shards.append(ShardWrites(shard: 0, create: true, removals: [], appends: [], expected: [])) }
        var target = 0
        while !queue.isEmpty {
            while target < shards.count && shards[target].expected.count >= options.shardSize { target += 1 }
            if target == shards.count {
                shards.append(ShardWrites(shard: target, create: true, removals: [], appends: [], expected: []))
            }
            let room = options.shardSize - shards[target].expected.count
            let batch = Array(queue.prefix(room))
            queue = queue.dropFirst(batch.count)
            shards[target].appends += batch.chunked(100)
            shards[target].expected += batch
        }
        return UnifiedPlan(
            shards: shards, skipped: skipped, personRemoved: personRemoved, restored: restored,
            personAdded: options.personRemovalsStick ? personAdded : [])
    }
}
