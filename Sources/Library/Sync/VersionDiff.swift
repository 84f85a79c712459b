import Foundation

/// What changed between two versions of a playlist, counted as multisets: a URI added twice appears twice.
public struct VersionDiff: Sendable, Equatable {
    public var added: [String]
    public var removed: [String]

    public init(added: [String], removed: [String]) {
        self.added = added
        self.removed = removed
    }

    /// The URIs in `new` beyond those in `old`, and the other way round, each in the order they stand.
    public init(old: [String], new: [String]) {
        var remaining: [String: Int] = [:]
        for uri in old { remaining[uri, default: 0] += 1 }
        var added: [String] = []
        for uri in new {
            if let count = remaining[uri], count > 0 {
                remaining[uri] = count - 1
            } else {
                added.append(uri)
            }
        }
        var kept: [String: Int] = [:]
        for uri in new { kept[uri, default: 0] += 1 }
        var removed: [String] = []
        for uri in old {
            if let count = kept[uri], count > 0 {
                kept[uri] = count - 1
            } else {
                removed.append(uri)
            }
        }
        self.added = added
        self.removed = removed
    }

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty }
}
