import FluentKit
import Library
import Foundation
import PlaykeeperJSON
import Store

/// The JSON shapes of the mirror, shared by the CLI's `--json` and the HTTP API.
public enum MirrorViews {
    static func date(_ date: Date?) -> JSONValue {
        date.map { .string(InternetDate.string($0)) } ?? .null
    }

    public static func playlist(_ record: PlaylistRecord) -> JSONValue { playlist(PlaylistSummary(record)) }

    /// A playlist as the API and `--json` show it; lists read summaries, single playlists their record.
    public static func playlist(_ summary: PlaylistSummary) -> JSONValue {
        var json = JSONWriter(capacity: 512)
        write(summary, into: &json)
        return (try? JSONValue(parsing: json.bytes)) ?? .null
    }

    /// A page of playlists as `GET /api/v1/playlists` answers it (the shape of `page`), written straight to text:
    /// the API's most asked list, which spent more time building and writing a tree than reading its rows.
    public static func playlistPage(_ summaries: [PlaylistSummary], total: Int, limit: Int, offset: Int) -> [UInt8] {
        var json = JSONWriter(capacity: 400 * summaries.count + 64)
        json.beginObject()
        json.key("items")
        json.beginArray()
        for summary in summaries { write(summary, into: &json) }
        json.endArray()
        json.member("total", total)
        json.member("limit", limit)
        json.member("offset", offset)
        json.endObject()
        return json.bytes
    }

    /// The one definition of a playlist's JSON.
    static func write(_ summary: PlaylistSummary, into json: inout JSONWriter) {
        json.beginObject()
        json.member("id", summary.spotifyID)
        json.member("name", summary.name)
        json.member("owner_id", summary.ownerID)
        json.member("owner_name", summary.ownerName)
        json.member("description", summary.playlistDescription)
        json.member("public", summary.isPublic)
        json.member("collaborative", summary.collaborative)
        json.member("snapshot_id", summary.snapshotID)
        json.member("entry_count", summary.entryCount)
        json.member("can_read_items", summary.canReadItems)
        json.member("can_edit", summary.canEdit)
        json.member("is_liked", summary.isLiked)
        json.member("gone", summary.goneAt != nil)
        json.member("gone_at", summary.goneAt.map(InternetDate.string))
        json.member("last_synced_at", summary.lastSyncedAt.map(InternetDate.string))
        json.endObject()
    }

    public static func version(_ record: PlaylistVersionRecord) -> JSONValue {
        [
            "snapshot_id": JSONValue(record.snapshotID), "seen_at": date(record.seenAt),
            "entry_count": JSONValue(record.entryCount),
            "added": (try? JSONValue(parsing: record.added)) ?? [], "removed": (try? JSONValue(parsing: record.removed)) ?? [],
        ]
    }

    public static func entry(_ record: EntryRecord) -> JSONValue {
        [
            "position": JSONValue(record.position), "uri": JSONValue(record.uri), "added_at": date(record.addedAt),
            "added_by": JSONValue(record.addedBy), "is_local": .bool(record.isLocal), "kind": .string(record.kind),
            "is_playable": JSONValue(record.isPlayable), "linked_from_uri": JSONValue(record.linkedFromURI),
        ]
    }

    /// A page of items, as every list of the API answers.
    public static func page(_ items: [JSONValue], total: Int, limit: Int, offset: Int) -> JSONValue {
        ["items": .array(items), "total": JSONValue(total), "limit": JSONValue(limit), "offset": JSONValue(offset)]
    }
}
