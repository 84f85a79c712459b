import Foundation

/// One entry as duplicate finding sees it: everything the rules and the keep policies need, nothing else.
public struct DedupeItem: Sendable, Equatable {
    public var position: Int
    /// The URI the playlist holds (for a relinked track, its `linked_from` URI); `nil` for an unavailable entry.
    public var uri: String?
    public var addedAt: Date?
    public var isLocal: Bool
    public var isPlayable: Bool?
    public var name: String?
    /// Artist ids where Spotify has them, else names (local files have no artist ids).
    public var artists: [String]
    public var isrc: String?
    public var durationMS: Int?
    /// `album`, `single` or `compilation`.
    public var albumType: String?

    public init(
        position: Int, uri: String?, addedAt: Date? = nil, isLocal: Bool = false, isPlayable: Bool? = nil, name: String? = nil,
        artists: [String] = [], isrc: String? = nil, durationMS: Int? = nil, albumType: String? = nil
    ) {
        self.position = position
        self.uri = uri
        self.addedAt = addedAt
        self.isLocal = isLocal
        self.isPlayable = isPlayable
        self.name = name
        self.artists = artists
        self.isrc = isrc
        self.durationMS = durationMS
        self.albumType = albumType
    }

    /// Local files cannot be added back through the API, and an unavailable (`null`) entry has no URI to
    /// restore: neither is ever removed.
    public var isRemovable: Bool { uri != nil && !isLocal }
}
