import FluentKit
import Foundation
import Library
import Store

/// The Listening page's content: a period's totals, charts drawn as SVG with a table beside each, the top songs,
/// artists and albums, each own playlist's songs played, the songs never played, and the gaps in the history.
struct ListeningPage: Encodable {
    struct Choice: Encodable {
        var value, label: String
        var selected: Bool
    }
    struct Stat: Encodable {
        var id, label, value: String
    }
    struct Row: Encodable {
        var rank: Int
        var name: String
        var artist: String?
        var plays: Int
        var time: String
        var meter: String
    }
    struct Count: Encodable {
        var label: String
        var plays: Int
    }
    struct HourRow: Encodable {
        var day: String
        var hours: [Int]
    }
    struct Coverage: Encodable {
        var id, name, share, meter: String
        var songs, played: Int
    }
    struct Never: Encodable {
        var name, playlist, added: String
    }
    struct Gap: Encodable {
        var from, to: String
    }

    var periods: [Choice]
    var periodLabel: String
    var from, to: String
    var empty: Bool
    var stats: [Stat]
    var perDayChart: String
    var perDayUnit: String
    var perDay: [Count]
    var heatMapChart: String
    var hours: [HourRow]
    var hourColumns: [Int]
    var newChart: String
    var newPlays, repeatPlays: Int
    var topTracks, topArtists, topAlbums: [Row]
    var coverage: [Coverage]
    var neverCount: Int
    var never: [Never]
    var historyBegins: String
    var gaps: [Gap]
    var uploadLimit: String

    static let periodChoices = [("7d", "7 days"), ("30d", "30 days"), ("90d", "90 days"), ("1y", "Year"), ("all", "All time")]

    static func make(
        reader: HistoryReader, period: ListeningPeriod, choice: String?, now: Date, database: any Database
    ) async throws -> ListeningPage {
        // Read at once, each on its own connection of the pool.
        async let reading = Listening.read(reader, period: period)
        async let tracks = reader.top(.tracks, by: .plays, limit: 20, in: period)
        async let artists = reader.top(.artists, by: .plays, limit: 20, in: period)
        async let albums = reader.top(.albums, by: .plays, limit: 20, in: period)
        let listening = try await reading
        let summary = listening.summary
        let tops = try await (tracks, artists, albums)
        let userID = try reader.user.requireID()
        let gaps = try await PlayGapRecord.query(on: database).filter(\.$user.$id == userID).filter(\.$filledAt == nil)
            .sort(\.$startsAt, .descending).range(0..<10).all()

        // Plays per day, or per month over more than four months.
        let firstDay = period.fromDay ?? listening.historyBegins.map(RollupRanges.day(of:)) ?? RollupRanges.day(of: now)
        let lastDay = (period.toDay.map { $0 - 1 }) ?? RollupRanges.day(of: now)
        let perDay = summary.playsByDay
        var counts: [Count] = []
        let byMonth = lastDay - firstDay > 120
        if firstDay <= lastDay {
            if byMonth {
                var months: [Int: Int] = [:]
                for (day, plays) in perDay { months[RollupRanges.month(ofDay: day), default: 0] += plays }
                for month in RollupRanges.month(ofDay: firstDay)...RollupRanges.month(ofDay: lastDay) {
                    counts.append(
                        Count(label: String(format: "%04d-%02d", month / 12, month % 12 + 1), plays: months[month] ?? 0))
                }
            } else {
                for day in firstDay...lastDay {
                    counts.append(Count(label: RollupRanges.label(ofDay: day), plays: perDay[day] ?? 0))
                }
            }
        }
        let unit = byMonth ? "month" : "day"
        let busiest = counts.max { $0.plays < $1.plays }
        let perDayChart = SVGChart.bars(
            id: "chart-per-day", title: "Plays per \(unit), \(period.label)",
            summary: busiest.map { "\(summary.plays) plays; the most, \($0.plays), on \($0.label)." } ?? "No plays.",
            bars: counts.map { SVGChart.Bar(label: $0.label, value: $0.plays) })

        let peak = summary.hourOfWeek.enumerated().flatMap { day, hours in hours.enumerated().map { (day, $0, $1) } }
            .max { $0.2 < $1.2 }
        let heatMap = SVGChart.heatMap(
            id: "chart-hours", title: "When you listen (UTC), \(period.label)",
            summary: peak.map { "Most plays on \(SVGChart.weekdays[$0.0]) at \($0.1):00 (\($0.2))." } ?? "No plays.",
            grid: summary.hourOfWeek)
        let newChart = SVGChart.split(
            id: "chart-new", title: "New songs and repeats, \(period.label)",
            summary: "\(summary.newPlays) plays of songs heard for the first time, \(summary.repeatPlays) repeats.",
            parts: [.init(label: "New", value: summary.newPlays), .init(label: "Repeats", value: summary.repeatPlays)])

        func rows(_ entries: [ListeningStats.Entry]) -> [Row] {
            let largest = entries.first?.plays ?? 1
            return entries.enumerated().map { index, entry in
                Row(
                    rank: index + 1, name: entry.name, artist: entry.artist, plays: entry.plays,
                    time: StatsViews.duration(entry.listenedMS), meter: SVGChart.meter(entry.plays, of: largest))
            }
        }
        let stats = [
            Stat(id: "stat-plays", label: "Plays", value: "\(summary.plays)"),
            Stat(id: "stat-time", label: "Time listened", value: StatsViews.duration(summary.listenedMS)),
            Stat(id: "stat-skips", label: "Skips", value: "\(summary.skips)"),
            Stat(id: "stat-songs", label: "Songs", value: "\(summary.distinctTracks)"),
            Stat(id: "stat-artists", label: "Artists", value: "\(summary.distinctArtists)"),
            Stat(id: "stat-new", label: "New songs", value: "\(summary.newPlays)"),
            Stat(id: "stat-streak", label: "Longest streak", value: "\(summary.longestStreakDays) days"),
        ]
        let day = Date.ISO8601FormatStyle(timeZone: .gmt).year().month().day()
        let choices = periodChoices.map { Choice(value: $0.0, label: $0.1, selected: $0.0 == choice) }
        return ListeningPage(
            periods: choices, periodLabel: period.label.prefix(1).uppercased() + period.label.dropFirst(),
            from: period.from.map { $0.formatted(day) } ?? "",
            to: period.to.map { $0.addingTimeInterval(-86_400).formatted(day) } ?? "",
            empty: listening.historyBegins == nil, stats: stats, perDayChart: perDayChart, perDayUnit: unit, perDay: counts,
            heatMapChart: heatMap,
            hours: summary.hourOfWeek.enumerated().map { HourRow(day: SVGChart.weekdays[$0.offset], hours: $0.element) },
            hourColumns: Array(0..<24), newChart: newChart, newPlays: summary.newPlays, repeatPlays: summary.repeatPlays,
            topTracks: rows(tops.0), topArtists: rows(tops.1), topAlbums: rows(tops.2),
            coverage: listening.coverage.map { row in
                Coverage(
                    id: row.id, name: row.name,
                    share: row.songs == 0 ? "–" : "\(Int((Double(row.played) * 100 / Double(row.songs)).rounded())) %",
                    meter: SVGChart.meter(row.played, of: row.songs), songs: row.songs, played: row.played)
            },
            neverCount: listening.neverPlayed.count,
            never: listening.neverPlayed.prefix(50).map {
                Never(name: $0.name ?? $0.uri, playlist: $0.playlist, added: $0.addedAt.map { $0.formatted(day) } ?? "–")
            },
            historyBegins: listening.historyBegins.map(Pages.day) ?? "–",
            gaps: gaps.map { Gap(from: Pages.time($0.startsAt), to: Pages.time($0.endsAt)) },
            uploadLimit: "\(HistoryRoutes.uploadLimitMB) MB")
    }
}
