import Foundation
import PlaykeeperJSON

/// A playlist entry read for the mirror straight from the response's text: the members the models read, and
/// the entry's JSON text in two parts, the entry without its item and the item, copied as they arrived.
///
/// A first sync reads a hundred thousand entries. Building each one's whole tree, writing it out again as text
/// and freeing it cost about a quarter of the sync's CPU; this builds only what `PlaylistEntry` reads.
public struct MirroredEntry: Sendable {
    /// The entry, read from `PlaylistEntry.readMembers` alone: its `raw` holds those members, not the whole entry.
    public let entry: PlaylistEntry
    /// The entry's JSON text without its item (`item` and `track`; a `null` one stays, since it says the item is
    /// unavailable), compact.
    public let text: String
    /// The JSON text of the item, `item ?? track`; `nil` when there is none.
    public let itemText: String?

    /// Reads the entry that comes next: `nil` for a `null` entry.
    static func read(_ reader: inout JSONReader) throws -> MirroredEntry? {
        if reader.nextIsNull {
            try reader.skipValue()
            return nil
        }
        guard reader.nextIsObject else {
            // Not an entry at all: read it whole, as the tree path would.
            let (value, span) = try reader.readValueKeepingSpan()
            return MirroredEntry(entry: PlaylistEntry(json: value), text: reader.text(span), itemText: nil)
        }
        var members = JSONObject()
        var kept: [(key: JSONSpan, value: JSONSpan)] = []
        var contents: [String: JSONSpan] = [:]
        var text: [UInt8] = []
        try reader.readObject { key, reader in
            let keySpan = reader.keySpan
            guard let selection = PlaylistEntry.readMembers[key] else {
                kept.append((keySpan, try reader.skipValueKeepingSpan()))
                return
            }
            let (value, span) = try reader.readValueKeepingSpan(selection)
            members[key] = value
            if PlaylistEntry.contentKeys.contains(key), !value.isNull {
                contents[key] = span
            } else {
                kept.append((keySpan, span))
                if PlaylistEntry.contentKeys.contains(key) { contents[key] = nil }
            }
        }
        text.append(UInt8(ascii: "{"))
        for (index, member) in kept.enumerated() {
            if index > 0 { text.append(UInt8(ascii: ",")) }
            reader.appendText(member.key, to: &text)
            text.append(UInt8(ascii: ":"))
            reader.appendText(member.value, to: &text)
        }
        text.append(UInt8(ascii: "}"))
        let content = PlaylistEntry.contentKeys.lazy.compactMap { contents[$0] }.first
        return MirroredEntry(
            entry: PlaylistEntry(json: .object(members)), text: String(decoding: text, as: UTF8.self),
            itemText: content.map(reader.text))
    }
}

/// A page of entries read for the mirror: `total` and the entries, each `nil` where Spotify sent `null`.
public struct MirroredPage: Sendable {
    public let total: Int?
    public let entries: [MirroredEntry?]

    /// Reads the paging object that comes next; its other members are passed over.
    static func read(_ reader: inout JSONReader) throws -> MirroredPage {
        var total: Int?
        var entries: [MirroredEntry?] = []
        try reader.readObject { key, reader in
            switch key {
            case "total":
                total = try reader.readValue().intValue
            case "items":
                entries = []
                try reader.readArray { reader in entries.append(try MirroredEntry.read(&reader)) }
            default:
                break
            }
        }
        return MirroredPage(total: total, entries: entries)
    }
}

/// `GET /playlists/{id}` read for the mirror: the playlist, and its first page of entries read as `MirroredPage`.
public struct MirroredPlaylist: Sendable {
    /// The playlist without the entries of its first page: `firstPage` is `nil`, and the `items` object holds the
    /// page's other members (`href`, `total`, …).
    public let playlist: Playlist
    /// The first page, when the response carried one (as `Playlist.firstPage` would be there).
    public let firstPage: MirroredPage?

    static func read(_ reader: inout JSONReader) throws -> MirroredPlaylist {
        var members = JSONObject()
        var pages: [String: MirroredPage] = [:]
        let isObject = try reader.readObject { key, reader in
            guard PlaylistEntry.pageKeys.contains(key), reader.nextIsObject else {
                members[key] = try reader.readValue()
                return
            }
            var page = JSONObject()
            var entries: [MirroredEntry?]?
            try reader.readObject { key, reader in
                if key == "items", reader.nextIsArray {
                    var read: [MirroredEntry?] = []
                    try reader.readArray { reader in read.append(try MirroredEntry.read(&reader)) }
                    entries = read
                    page[key] = nil
                } else {
                    page[key] = try reader.readValue()
                    if key == "items" { entries = nil }
                }
            }
            members[key] = .object(page)
            pages[key] = entries.map { MirroredPage(total: page["total"]?.intValue, entries: $0) }
        }
        let json: JSONValue = isObject ? .object(members) : .null
        // As `Playlist` reads its entries: `items ?? tracks`.
        let chosen = PlaylistEntry.pageKeys.first { json.nonNull($0) != nil }
        return MirroredPlaylist(playlist: Playlist(json: json), firstPage: chosen.flatMap { pages[$0] })
    }
}

extension PlaylistEntry {
    /// The members `init(json:)` reads, with those its item reads.
    public static let readMembers: JSONSelection = [
        "added_at": .everything, "added_by": UserReference.readMembers, "is_local": .everything,
        "item": PlaylistItem.readMembers, "track": PlaylistItem.readMembers,
    ]
    /// Where an entry holds its item: `item` since February 2026, `track` before.
    static let contentKeys = ["item", "track"]
    /// Where a playlist holds its entries: `items` since February 2026, `tracks` before.
    static let pageKeys = ["items", "tracks"]
}

extension PlaylistItem {
    /// The members `Track` and `Episode` read.
    public static let readMembers: JSONSelection = [
        "type": .everything, "id": .everything, "uri": .everything, "name": .everything, "duration_ms": .everything,
        "artists": ArtistReference.readMembers, "album": AlbumReference.readMembers, "external_ids": ["isrc"],
        "is_playable": .everything, "linked_from": ["id", "uri"], "is_local": .everything, "explicit": .everything,
        "disc_number": .everything, "track_number": .everything, "show": ["name"], "release_date": .everything,
    ]
}

extension UserReference {
    static let readMembers: JSONSelection = ["id", "display_name", "uri"]
}

extension ArtistReference {
    static let readMembers: JSONSelection = ["id", "name", "uri"]
}

extension AlbumReference {
    static let readMembers: JSONSelection = ["id", "uri", "name", "album_type", "release_date"]
}

extension MirroredPage {
    /// Reads a paging object of playlist entries from a response body.
    public init(data: Data) throws {
        self = try JSONReader.read(data, Self.read)
    }
}

extension MirroredPlaylist {
    /// Reads a full playlist object from a response body.
    public init(data: Data) throws {
        self = try JSONReader.read(data, Self.read)
    }
}
