import Foundation
import Library
import PlaykeeperJSON

/// Statistics as the API and `--json` show them, and as lines a person reads.
enum StatsViews {
    static func entry(_ entry: ListeningStats.Entry, rank: Int) -> JSONValue {
        [
            "rank": JSONValue(rank), "key": .string(entry.key), "name": .string(entry.name),
            "artist": JSONValue(entry.artist), "plays": JSONValue(entry.plays), "listened_ms": JSONValue(entry.listenedMS),
            "first_played": MirrorViews.date(entry.firstPlayed), "last_played": MirrorViews.date(entry.lastPlayed),
        ]
    }

    static func top(
        _ entries: [ListeningStats.Entry], kind: ListeningStats.Kind, order: ListeningStats.Order,
        period: ListeningPeriod
    ) -> JSONValue {
        [
            "kind": .string(kind.rawValue), "by": .string(order.rawValue), "period": .string(period.label),
            "items": .array(entries.enumerated().map { entry($0.element, rank: $0.offset + 1) }),
        ]
    }

    static func summary(_ summary: ListeningStats.Summary, period: ListeningPeriod, historyBegins: Date?) throws -> JSONValue {
        var value = try JSONValue(encoding: summary, snakeCase: true)
        if case .object(var members) = value {
            members["period"] = .string(period.label)
            members["history_begins"] = MirrorViews.date(historyBegins)
            value = .object(members)
        }
        return value
    }

    static func line(_ entry: ListeningStats.Entry, rank: Int, order: ListeningStats.Order) -> String {
        let measure = order == .plays ? "\(entry.plays) plays" : duration(entry.listenedMS)
        return "\(String(rank).leftPadded(3)). \(entry.name)\(entry.artist.map { " — \($0)" } ?? "")  (\(measure))"
    }

    /// `3 h 25 min`, `12 min`.
    static func duration(_ ms: Int) -> String {
        let minutes = ms / 60_000
        return minutes >= 60 ? "\(minutes / 60) h \(minutes % 60) min" : "\(minutes) min"
    }

    static func kind(_ text: String, field: String, as kind: PlaykeeperError.Kind) throws -> ListeningStats.Kind {
        guard let value = ListeningStats.Kind(rawValue: text) else {
            throw PlaykeeperError(kind, "\(field) is tracks, artists or albums, not '\(NumericInput.shown(text))'")
        }
        return value
    }

    static func order(_ text: String, field: String, as kind: PlaykeeperError.Kind) throws -> ListeningStats.Order {
        guard let value = ListeningStats.Order(rawValue: text) else {
            throw PlaykeeperError(kind, "\(field) is plays or time, not '\(NumericInput.shown(text))'")
        }
        return value
    }
}
