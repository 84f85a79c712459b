import FluentKit
import Foundation
import PlaykeeperJSON
import Store

/// The JSON shapes of the mirror, shared by the CLI's `--json` and the HTTP API.
public enum MirrorViews {
    static func date(_ date: Date?) -> JSONValue {
        date.map { .string($0.formatted(Date.ISO8601FormatStyle())) } ?? .null
    }

    public static func playlist(_ record: PlaylistRecord) -> JSONValue { playlist(PlaylistSummary(record)) }

    /// A playlist as the API and `--json` show it; lists read summaries, single playlists their record.
    public static func playlist(_ summary: PlaylistSummary) -> JSONValue {
        [
            "id": .string(summary.spotifyID), "name": .string(summary.name), "owner_id": JSONValue(summary.ownerID),
            "owner_name": JSONValue(summary.ownerName), "description": JSONValue(summary.playlistDescription),
            "public": JSONValue(summary.isPublic), "collaborative": .bool(summary.collaborative),
            "snapshot_id": JSONValue(summary.snapshotID), "entry_count": JSONValue(summary.entryCount),
            "can_read_items": .bool(summary.canReadItems), "can_edit": .bool(summary.canEdit), "is_liked": .bool(summary.isLiked),
            "gone": .bool(summary.goneAt != nil), "gone_at": date(summary.goneAt), "last_synced_at": date(summary.lastSyncedAt),
        ]
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
