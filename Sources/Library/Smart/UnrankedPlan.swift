import SpotifyWebAPI

/// The writes that bring an unranked smart playlist (Never played, Discovered) to its songs the way the unified
/// playlist changes: removals by URI, additions appended 100 to a call, nothing else rewritten. Pure.
public struct UnrankedPlan: Sendable, Equatable {
    public var removals: [[String]]
    public var appends: [[String]]
    /// The playlist's URIs once written.
    public var expected: [String]

    public var calls: Int { removals.count + appends.count }

    /// - Parameters:
    ///   - current: the playlist's URIs now, in order.
    ///   - target: the rule's songs, distinct, in the order new ones are appended.
    ///   - keep: songs that stay though the rule does not hold them (the person's own additions).
    public init(current: [String], target: [String], keep: Set<String> = []) {
        let wanted = Set(target).union(keep)
        var copies: [String: Int] = [:]
        for uri in current { copies[uri, default: 0] += 1 }
        // Spotify removes every copy of a URI: a song held twice goes, and comes back once at the end.
        var doomed: [String] = []
        var seen = Set<String>()
        for uri in current where (!wanted.contains(uri) || copies[uri, default: 0] > 1) && seen.insert(uri).inserted {
            doomed.append(uri)
        }
        let gone = Set(doomed)
        let staying = current.filter { !gone.contains($0) }
        let present = Set(staying)
        let added = target.filter { !present.contains($0) }
        removals = doomed.chunked(RankedPlan.batch)
        appends = added.chunked(RankedPlan.batch)
        expected = staying + added
    }
}
