import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import Store

/// The JSON and text shapes of previews and journal entries, shared by the CLI and the HTTP API.
public enum DedupeViews {
    public static func preview(_ preview: DedupeService.Preview) -> JSONValue {
        let plan = preview.plan
        let groups: [JSONValue] = plan.groups.map { group in
            [
                "id": .string(group.id), "rule": .string(group.rule.rawValue), "kept": JSONValue(group.kept),
                "kept_because": .string(group.keptBecause), "removed": .array(group.removed.map { JSONValue($0) }),
                "left_alone": .array(group.leftAlone.map { JSONValue($0) }), "explanation": .string(group.explanation),
                "uri": JSONValue(preview.body.entries[group.kept].uri),
            ]
        }
        return [
            "plan_id": .string(preview.record.id?.uuidString ?? ""), "playlist": MirrorViews.playlist(preview.playlist),
            "snapshot_id": JSONValue(preview.record.snapshotID), "match": .string(preview.record.matchLevel),
            "keep": .string(preview.record.keepPolicy), "groups": .array(groups),
            "copies_removed": JSONValue(plan.groups.flatMap(\.removed).count),
            "writes": JSONValue(plan.writeCount), "rebuilds": .bool(plan.rebuilds),
            "readded_positions": .array(plan.readded.map { JSONValue($0) }), "entries_after": JSONValue(plan.expected.count),
        ]
    }

    public static func journal(_ record: JournalRecord, playlist: PlaylistRecord?) -> JSONValue {
        let operations = (try? JSONValue(parsing: record.operations)) ?? .null
        let id = record.id?.uuidString ?? ""
        // An entry left for the person: both ways out, as calls of this API.
        var actions: [JSONValue] = []
        if record.status == .needsAttention {
            if record.kind.canBeUndone {
                actions.append([
                    "action": "restore", "method": "POST", "path": .string("/api/v1/journal/\(id)/undo"), "body": ["force": true],
                ])
            }
            if let playlist {
                actions.append([
                    "action": "plan_again", "method": "GET",
                    "path": .string("/api/v1/playlists/\(playlist.spotifyID)/duplicates"),
                ])
            }
        }
        return [
            "id": .string(id), "kind": .string(record.kind.rawValue), "status": .string(record.status.rawValue),
            "playlist_id": JSONValue(playlist?.spotifyID), "playlist_name": JSONValue(playlist?.name),
            "plan_id": JSONValue(record.planID?.uuidString), "undoes": JSONValue(record.undoes?.uuidString),
            "progress": JSONValue(record.progress),
            "writes": JSONValue((operations["operations"] ?? operations).arrayValue?.count),
            "readded_positions": operations["readded"] ?? [], "error": JSONValue(record.error),
            "created_at": MirrorViews.date(record.createdAt), "finished_at": MirrorViews.date(record.finishedAt),
            "recovery": JSONValue(record.recovery), "recovered_at": MirrorViews.date(record.recoveredAt),
            "actions": .array(actions),
        ]
    }

    /// The preview as people read it.
    static func text(_ preview: DedupeService.Preview) -> [String] {
        let plan = preview.plan
        var lines = ["\(preview.playlist.name) (\(preview.playlist.spotifyID)): "]
        guard !plan.groups.isEmpty else {
            lines[0] += "no duplicates (\(preview.record.matchLevel))."
            return lines
        }
        let copies = plan.groups.flatMap(\.removed).count
        lines[0] +=
            "\(plan.groups.count) duplicate group\(plan.groups.count == 1 ? "" : "s"), \(copies) cop\(copies == 1 ? "y" : "ies") to remove "
            + "in \(plan.writeCount) write\(plan.writeCount == 1 ? "" : "s") (plan \(preview.record.id?.uuidString ?? ""))"
        for group in plan.groups { lines.append("  [\(group.id)] \(group.explanation)") }
        if preview.body.isLiked {
            lines.append(
                "  Liked Songs: undo re-saves removed songs at the top with today's date; their order and dates cannot be restored."
            )
        } else if plan.rebuilds {
            lines.append("  The playlist will be rebuilt (fewer entries touched): every entry gets today's \"added at\".")
        } else if !plan.readded.isEmpty {
            let positions = plan.readded.map { String($0 + 1) }.joined(separator: ", ")
            lines.append(
                "  The kept copies at positions \(positions) are re-added, so their \"added at\" becomes today (Spotify removes every copy of a song)."
            )
        }
        return lines
    }
}
