import Foundation

/// How alike two entries must be to count as duplicates. Each level includes the stricter ones.
public enum MatchLevel: String, Sendable, Codable, CaseIterable, Comparable {
    /// The same track URI; a relinked track counts by its `linked_from` URI.
    case exact
    /// The same recording: the same ISRC.
    case recording
    /// The same normalised title and set of artists, durations within 2 s, and no different version markers.
    case similar

    public static func < (lhs: MatchLevel, rhs: MatchLevel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Which copy of a duplicate group stays.
public enum KeepPolicy: String, Sendable, Codable, CaseIterable {
    /// The copy that stands first in the playlist.
    case first
    /// The copy added longest ago.
    case oldest
    /// The copy added most recently.
    case newest
    /// A playable copy over one that is not (`is_playable: false`), then the first.
    case playable
    /// An album release over a single or a compilation, then the first.
    case album
}
