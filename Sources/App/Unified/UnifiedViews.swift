import Foundation
import Library
import PlaykeeperJSON

/// The unified playlist's report as lines a person reads.
enum UnifiedViews {
    /// The report as the API and `--json` show it, keys in snake case.
    static func json(_ report: UnifiedReport) throws -> JSONValue { try JSONValue(encoding: report, snakeCase: true) }

    static func describe(_ report: UnifiedReport) -> [String] {
        var lines: [String] = []
        let verb = report.status == "preview" ? "would hold" : "holds"
        lines.append(
            "\(report.settings.name) \(verb) \(report.songs) songs from \(report.sources.count) source(s), matched \(report.settings.match.rawValue)."
        )
        for shard in report.shards {
            var parts: [String] = []
            if shard.create { parts.append("create") }
            if !shard.removed.isEmpty { parts.append("remove \(shard.removed.count)") }
            if shard.added > 0 { parts.append("add \(shard.added)") }
            let change = parts.isEmpty ? "unchanged" : parts.joined(separator: ", ") + " in \(shard.calls) call(s)"
            let status = shard.status.map { ", \($0)" } ?? ""
            let journal = shard.journalID.map { ", journal \($0.uuidString)" } ?? ""
            lines.append("  \(shard.name): \(shard.entries) entries; \(change)\(status)\(journal)")
        }
        let skippedLocal = report.skipped.filter { $0.reason == "local file" }.count
        let skippedUnavailable = report.skipped.count - skippedLocal
        if !report.skipped.isEmpty {
            lines.append(
                "Not added: \(skippedLocal) local file(s) and \(skippedUnavailable) unavailable entr\(skippedUnavailable == 1 ? "y" : "ies") (Spotify cannot add them)."
            )
        }
        lines += report.notes.map { "Note: \($0)." }
        lines.append(
            report.status == "preview"
                ? "Preview: \(report.writes) write(s) planned; nothing was written."
                : "\(report.writes) write(s), \(report.status).")
        return lines
    }
}
