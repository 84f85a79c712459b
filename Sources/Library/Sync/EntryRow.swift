import Foundation
import PlaykeeperJSON
import SpotifyWebAPI

/// One entry as the store keeps it, read from Spotify's entry (or a Liked Songs item).
public struct EntryRow: Sendable, Equatable {
    public var position: Int
    /// The URI the playlist holds (`linked_from.uri` for a relinked track); `nil` for an unavailable entry.
    public var uri: String?
    public var addedAt: Date?
    public var addedBy: String?
    public var isLocal: Bool
    public var linkedFromURI: String?
    public var kind: PlaylistEntry.Kind
    public var isPlayable: Bool?
    /// The entry's raw JSON without its item (`item`/`track`), whose raw JSON is the catalogue row's:
    /// storing it once keeps a 100k-entry mirror small and its writes fast.
    public var raw: String
    /// What the catalogue learns from this entry; `nil` for an unavailable entry, or when `cataloguing` said the
    /// store has its item already.
    public var catalog: CatalogRow?

    /// `cataloguing` says whether a URI's catalogue row is wanted; its raw JSON is serialized only then.
    public init(entry: PlaylistEntry?, position: Int, cataloguing: (String) -> Bool = { _ in true }) {
        self.init(
            entry: entry, position: position, entryJSON: { $0.raw.removingItem().serialized() },
            itemJSON: { $0.raw.serialized() },
            cataloguing: cataloguing)
    }

    /// An entry read for the mirror: its raw JSON is the text it arrived as.
    public init(mirrored: MirroredEntry?, position: Int, cataloguing: (String) -> Bool = { _ in true }) {
        self.init(
            entry: mirrored?.entry, position: position, entryJSON: { _ in mirrored?.text ?? "null" },
            itemJSON: { mirrored?.itemText ?? $0.raw.serialized() }, cataloguing: cataloguing)
    }

    private init(
        entry: PlaylistEntry?, position: Int, entryJSON: (PlaylistEntry) -> String, itemJSON: (PlaylistItem) -> String,
        cataloguing: (String) -> Bool
    ) {
        self.position = position
        guard let entry else {
            // A `null` in the page's items array: keep the position, know nothing else.
            uri = nil
            addedAt = nil
            addedBy = nil
            isLocal = false
            linkedFromURI = nil
            kind = .unavailable
            isPlayable = nil
            raw = "null"
            catalog = nil
            return
        }
        uri = entry.uri
        addedAt = entry.addedAt
        addedBy = entry.addedBy?.id
        isLocal = entry.isLocal
        kind = entry.kind
        raw = entryJSON(entry)
        switch entry.item {
        case .track(let track):
            linkedFromURI = track.linkedFrom?.uri
            isPlayable = track.isPlayable
        case .episode(let episode):
            linkedFromURI = nil
            isPlayable = episode.isPlayable
        case nil:
            linkedFromURI = nil
            isPlayable = nil
        }
        catalog = entry.item.flatMap { item in
            entry.uri.flatMap { cataloguing($0) ? CatalogRow(item: item, uri: $0, raw: itemJSON(item)) : nil }
        }
    }

    /// A Liked Songs item.
    public init(saved: SavedTrack, position: Int, cataloguing: (String) -> Bool = { _ in true }) {
        self.position = position
        let item = saved.track.map(PlaylistItem.track)
        uri = item?.playlistURI
        addedAt = saved.addedAt
        addedBy = nil
        isLocal = saved.track?.isLocal ?? false
        linkedFromURI = saved.track?.linkedFrom?.uri
        kind = saved.track == nil ? .unavailable : (saved.track!.isLocal ? .local : .track)
        isPlayable = saved.track?.isPlayable
        raw = saved.raw.removingItem().serialized()
        catalog = item.flatMap { item in
            uri.flatMap { cataloguing($0) ? CatalogRow(item: item, uri: $0, raw: item.raw.serialized()) : nil }
        }
    }
}

/// A track or episode for the catalogue table.
public struct CatalogRow: Sendable, Equatable {
    public var uri: String
    public var spotifyID: String?
    public var kind: String
    public var name: String?
    public var artists: String?
    public var artistIDs: String?
    public var album: String?
    public var albumType: String?
    public var durationMS: Int?
    public var isrc: String?
    /// The item's raw JSON.
    public var raw: String

    init(item: PlaylistItem, uri: String, raw: String) {
        self.uri = uri
        self.raw = raw
        durationMS = item.durationMS
        name = item.name
        switch item {
        case .track(let track):
            spotifyID = track.linkedFrom?.id ?? track.id
            kind = track.isLocal ? "local" : "track"
            artists = track.artists.compactMap(\.name).joined(separator: ", ")
            artistIDs = JSONValue.array(track.artists.map { JSONValue($0.id) }).serialized()
            album = track.album?.name
            albumType = track.album?.albumType
            isrc = track.isrc
        case .episode(let episode):
            spotifyID = episode.id
            kind = "episode"
            artists = episode.showName
            artistIDs = nil
            album = episode.showName
            albumType = "show"
            isrc = nil
        }
    }
}

extension JSONValue {
    /// An entry without the item it holds; a `null` item stays, since it says the item is unavailable.
    func removingItem() -> JSONValue {
        guard case .object(var members) = self else { return self }
        for key in ["item", "track"] where members[key].map({ !$0.isNull }) ?? false { members[key] = nil }
        return .object(members)
    }
}
