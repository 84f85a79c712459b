import Foundation
import Library
import PlaykeeperJSON

/// Smart playlists as the API and `--json` show them (keys in snake case), and as lines a person reads.
enum SmartViews {
    /// A rule in the words `SmartRuleInput` reads back.
    static func rule(_ rule: SmartRule) -> JSONValue {
        [
            "from": .array(rule.sources.map { .string($0.text) }), "window": .string(rule.window),
            "min_plays": JSONValue(rule.minPlays), "max_plays": JSONValue(rule.maxPlays),
            "min_ms_played": JSONValue(rule.minMSPlayed), "not_played_for": JSONValue(rule.notPlayedForDays),
            "skipped": .string(rule.skipped.rawValue), "new_in_window": .bool(rule.newInWindow),
            "exclude_artists": .array(rule.excludeArtists.map(JSONValue.string)),
            "exclude_playlists": .array(rule.excludePlaylists.map(JSONValue.string)), "order": .string(rule.order.rawValue),
            "ranked": .bool(rule.ranked), "limit": JSONValue(rule.limit), "match": .string(rule.match.rawValue),
        ]
    }

    static func view(_ view: SmartPlaylistView) -> JSONValue {
        [
            "key": .string(view.key), "name": .string(view.name), "summary": .string(view.summary),
            "built_in": .bool(view.builtIn), "enabled": .bool(view.enabled), "ranked": .bool(view.ranked),
            "rule": rule(view.rule), "keep_app_edits": .bool(view.keepAppEdits), "id": JSONValue(view.spotifyID),
            "songs": JSONValue(view.songs), "refreshed_at": MirrorViews.date(view.refreshedAt),
            "off_reason": JSONValue(view.offReason),
        ]
    }

    static func report(_ report: SmartReport) -> JSONValue {
        [
            "status": .string(report.status), "key": .string(report.key), "name": .string(report.name),
            "ranked": .bool(report.ranked), "strategy": .string(report.strategy), "writes": JSONValue(report.writes),
            "alternative": JSONValue(report.alternative), "minimum_moves": JSONValue(report.minimumMoves),
            "removed": JSONValue(report.removed), "added": JSONValue(report.added), "moved": JSONValue(report.moved),
            "journal_id": JSONValue(report.journalID?.uuidString), "id": JSONValue(report.spotifyID),
            "notes": .array(report.notes.map(JSONValue.string)), "refreshed_at": MirrorViews.date(report.refreshedAt),
            "songs": .array(
                report.songs.map { song in
                    [
                        "uri": .string(song.uri), "name": JSONValue(song.name), "artist": JSONValue(song.artist),
                        "plays": JSONValue(song.plays), "reason": .string(song.reason),
                    ]
                }),
        ]
    }

    static func describe(_ view: SmartPlaylistView) -> String {
        let state = view.enabled ? "on " : "off"
        let refreshed = view.refreshedAt.map { ", updated \(MirrorViews.date($0).stringValue ?? "")" } ?? ""
        let off = view.offReason.map { " (\($0))" } ?? ""
        return
            "\(state)  \(view.key)  \(view.name): \(view.summary)\(view.enabled ? " \(view.songs) songs\(refreshed)." : "")\(off)"
    }

    /// The songs (up to `songs` of them) and the writes, planned or made.
    static func describe(_ report: SmartReport, songs limit: Int = 20) -> [String] {
        var lines = ["\(report.name) (\(report.ranked ? "ranked" : "unranked")): \(report.songs.count) songs."]
        for (index, song) in report.songs.prefix(limit).enumerated() {
            let title = [song.name ?? song.uri, song.artist].compactMap { $0 }.joined(separator: " – ")
            lines.append("  \(index + 1). \(title): \(song.reason)")
        }
        if report.songs.count > limit { lines.append("  … and \(report.songs.count - limit) more") }
        var change: [String] = []
        if report.removed > 0 { change.append("remove \(report.removed)") }
        if report.moved > 0 { change.append("move \(report.moved)") }
        if report.added > 0 { change.append("add \(report.added)") }
        let how = change.isEmpty ? "" : " (\(change.joined(separator: ", ")))"
        let against =
            report.alternative.map {
                ", against \($0) for the other way" + (report.minimumMoves.map { ", \($0) single move(s) at least" } ?? "")
            }
            ?? ""
        lines += report.notes.map { "Note: \($0)." }
        let verb = report.status == "preview" ? "planned" : report.status
        lines.append(
            "\(report.writes) write(s) \(report.strategy == "unchanged" ? "" : "by \(report.strategy)")\(how)\(against); \(verb)."
        )
        if let journal = report.journalID {
            lines.append("Journal \(journal.uuidString) ('playkeeper undo \(journal.uuidString)').")
        }
        return lines
    }
}
