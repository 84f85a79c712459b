import FluentKit
import Foundation
import PlaykeeperJSON
import Store

/// The whole mirrored library of a user, as CSV (Exportify's columns, one row per entry) or JSON.
public struct LibraryExport: Sendable {
    /// The CSV header: Playlist ID and Name, then Exportify's columns.
    public static let csvHeader = [
        "Playlist ID", "Playlist Name", "Track URI", "Track Name", "Artist Name(s)", "Album Name", "Album Release Date",
        "Disc Number", "Track Number", "Track Duration (ms)", "Explicit", "Added By", "Added At", "ISRC",
    ]

    public struct Row: Sendable {
        public var entry: EntryRecord
        public var item: JSONValue?
    }

    public struct Playlist: Sendable {
        public var record: PlaylistRecord
        public var rows: [Row]
    }

    public var playlists: [Playlist]

    /// Reads every playlist the user has (not the ones gone from their library), Liked Songs first, with entries:
    /// the playlists, their entries, and the catalogue items they name (500 to a query), never a query per playlist.
    public static func load(user: UserRecord, on database: any Database) async throws -> LibraryExport {
        let userID = try user.requireID()
        let records = try await PlaylistRecord.query(on: database).filter(\.$user.$id == userID)
            .filter(\.$goneAt == nil).sort(\.$listPosition).all()
        let entries = try await EntryRecord.query(on: database)
            .join(PlaylistRecord.self, on: \EntryRecord.$playlist.$id == \PlaylistRecord.$id)
            .filter(PlaylistRecord.self, \.$user.$id == userID).filter(PlaylistRecord.self, \.$goneAt == nil)
            .sort(\.$position).all()
        var catalog: [String: JSONValue] = [:]
        for (uri, item) in try await CatalogItemRecord.lookup(Array(Set(entries.compactMap(\.uri))), on: database) {
            catalog[uri] = try? JSONValue(parsing: item.raw)
        }
        let byPlaylist = Dictionary(grouping: entries, by: { $0.$playlist.id })
        return LibraryExport(
            playlists: try records.map { record in
                Playlist(
                    record: record,
                    rows: (byPlaylist[try record.requireID()] ?? []).map { entry in
                        Row(entry: entry, item: entry.uri.flatMap { catalog[$0] })
                    })
            })
    }

    // MARK: CSV

    public func csv() -> String {
        var lines = [Self.csvHeader.map(Self.csvField).joined(separator: ",")]
        for playlist in playlists {
            for row in playlist.rows {
                let item = row.item
                let artists = (item?["artists"]?.arrayValue ?? item?["show"].map { [$0] } ?? []).compactMap {
                    $0["name"]?.stringValue
                }
                let fields: [String] = [
                    playlist.record.spotifyID, playlist.record.name, row.entry.uri ?? "", item?["name"]?.stringValue ?? "",
                    artists.joined(separator: ","), item?["album"]?["name"]?.stringValue ?? "",
                    item?["album"]?["release_date"]?.stringValue ?? item?["release_date"]?.stringValue ?? "",
                    item?["disc_number"]?.intValue.map(String.init) ?? "", item?["track_number"]?.intValue.map(String.init) ?? "",
                    item?["duration_ms"]?.intValue.map(String.init) ?? "",
                    item?["explicit"]?.boolValue.map { $0 ? "true" : "false" } ?? "",
                    row.entry.addedBy ?? "", row.entry.addedAt.map { InternetDate.string($0) } ?? "",
                    item?["external_ids"]?["isrc"]?.stringValue ?? "",
                ]
                lines.append(fields.map(Self.csvField).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The characters a spreadsheet may read as the start of a formula (OWASP's CSV injection list): `=`, `+`,
    /// `-`, `@`, TAB and CR.
    public static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// RFC 4180: quoted when it holds a comma, a quote or a line break; quotes doubled. A field that starts with
    /// one of `formulaStarts` is prefixed with `'`, so that spreadsheets do not run a song title as a formula;
    /// a plain signed number (`-12`, `+3.5`) stays as it is.
    public static func csvField(_ text: String) -> String {
        var text = text
        if let first = text.unicodeScalars.first, formulaStarts.contains(first), !isSignedNumber(text) { text = "'" + text }
        // By scalar: "\r\n" is one Character, equal to neither "\r" nor "\n".
        guard text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// `-12` or `+3.5`: a sign, digits, and at most one decimal point between digits.
    static func isSignedNumber(_ text: String) -> Bool {
        let parts = text.utf8.dropFirst().split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard let sign = text.utf8.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+"), (1...2).contains(parts.count)
        else { return false }
        return parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } }
    }

    // MARK: JSON

    public func json(user: UserRecord, exportedAt: Date) -> JSONValue {
        func date(_ value: Date?) -> JSONValue { value.map { .string(InternetDate.string($0)) } ?? .null }
        return [
            "format": "playkeeper-export-1", "exported_at": date(exportedAt),
            "user": ["id": .string(user.spotifyID), "display_name": JSONValue(user.displayName)],
            "playlists": .array(
                playlists.map { playlist in
                    let record = playlist.record
                    return [
                        "id": .string(record.spotifyID), "name": .string(record.name), "owner_id": JSONValue(record.ownerID),
                        "snapshot_id": JSONValue(record.snapshotID), "is_liked": .bool(record.isLiked),
                        "can_read_items": .bool(record.canReadItems), "entry_count": JSONValue(record.entryCount),
                        "entries": .array(
                            playlist.rows.map { row in
                                [
                                    "position": JSONValue(row.entry.position), "uri": JSONValue(row.entry.uri),
                                    "kind": .string(row.entry.kind), "added_at": date(row.entry.addedAt),
                                    "added_by": JSONValue(row.entry.addedBy), "is_local": .bool(row.entry.isLocal),
                                    "is_playable": JSONValue(row.entry.isPlayable), "item": row.item ?? .null,
                                ]
                            }),
                    ]
                }),
        ]
    }
}
