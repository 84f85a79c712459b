import Foundation
import Store

/// UTC calendar arithmetic on day numbers (days since 1970-01-01), and the split of a period into the fewest
/// roll-up buckets: whole years, then whole quarters and months, then the days left at either end. Pure, tested without I/O.
public enum RollupRanges {
    /// A range of buckets of one grain; a missing bound is open.
    public struct Range: Sendable, Equatable, CustomStringConvertible {
        public var grain: PlayRollup.Grain
        public var lower: Int?
        public var upper: Int?

        public init(grain: PlayRollup.Grain, lower: Int?, upper: Int?) {
            self.grain = grain
            self.lower = lower
            self.upper = upper
        }

        public var description: String {
            "\(grain)[\(lower.map(String.init) ?? "-∞"), \(upper.map(String.init) ?? "∞"))"
        }

        /// The one bucket the range covers, if it covers one: all time's (0), or `lower` when `upper` is next.
        public var single: Int? {
            if grain == .all { return 0 }
            guard let lower, let upper, upper == lower + 1 else { return nil }
            return lower
        }
    }

    public static func day(of date: Date) -> Int { Int((date.timeIntervalSince1970 / 86_400).rounded(.down)) }

    public static func date(ofDay day: Int) -> Date { Date(timeIntervalSince1970: Double(day) * 86_400) }

    /// The day number of a civil date (Howard Hinnant's `days_from_civil`).
    public static func day(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day number (`civil_from_days`).
    public static func civil(_ day: Int) -> (year: Int, month: Int, day: Int) {
        let z = day + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, dayOfYear - (153 * mp + 2) / 5 + 1)
    }

    /// The month bucket (`year * 12 + month - 1`) that holds a day.
    public static func month(ofDay day: Int) -> Int {
        let date = civil(day)
        return date.year * 12 + date.month - 1
    }

    /// The first day of a month bucket.
    public static func firstDay(ofMonth month: Int) -> Int {
        let year = month >= 0 ? month / 12 : (month - 11) / 12
        return day(year: year, month: month - year * 12 + 1, day: 1)
    }

    /// 0 for Monday … 6 for Sunday (1970-01-01 was a Thursday).
    public static func weekday(ofDay day: Int) -> Int { ((day + 3) % 7 + 7) % 7 }

    /// The day of a `label(ofDay:)`, `2026-11-30`; nil for any other text.
    public static func day(label: String) -> Int? {
        let parts = label.split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        let number = Self.day(year: year, month: month, day: day)
        return civil(number) == (year, month, day) ? number : nil
    }

    /// `2026-11-30`.
    public static func label(ofDay day: Int) -> String {
        let date = civil(day)
        return String(format: "%04d-%02d-%02d", date.year, date.month, date.day)
    }

    /// The buckets that cover the days `[from, to)` exactly; nil is open. Whole years where they fit, whole quarters
    /// and months where they fit, days for the rest: at most two ranges of each grain but years, so that a period
    /// reads at most two months, three quarters and a month's days at each end.
    public static func split(fromDay from: Int?, toDay to: Int?) -> [Range] {
        if let from, let to, from >= to { return [] }
        // The months wholly inside the period, [firstMonth, endMonth).
        let firstMonth = from.map { month(ofDay: $0) + (firstDay(ofMonth: month(ofDay: $0)) == $0 ? 0 : 1) }
        let endMonth = to.map { month(ofDay: $0) }
        if let firstMonth, let endMonth, firstMonth >= endMonth {
            return [Range(grain: .day, lower: from, upper: to)]
        }
        var ranges: [Range] = []
        if let from, let firstMonth, from < firstDay(ofMonth: firstMonth) {
            ranges.append(Range(grain: .day, lower: from, upper: firstDay(ofMonth: firstMonth)))
        }
        ranges += cover(.month, from: firstMonth, to: endMonth, by: 3) { quarters in
            cover(.quarter, from: quarters.lower, to: quarters.upper, by: 4) { years in
                [Range(grain: .year, lower: years.lower, upper: years.upper)]
            }
        }
        if let to, let endMonth, firstDay(ofMonth: endMonth) < to {
            ranges.append(Range(grain: .day, lower: firstDay(ofMonth: endMonth), upper: to))
        }
        return ranges
    }

    /// Covers the buckets `[lower, upper)` of `grain`, whose buckets make the next grain's `factor` at a time: the
    /// coarser buckets wholly inside (by `coarser`), and this grain's at either end.
    private static func cover(
        _ grain: PlayRollup.Grain, from lower: Int?, to upper: Int?, by factor: Int,
        coarser: (_ buckets: (lower: Int?, upper: Int?)) -> [Range]
    ) -> [Range] {
        let first = lower.map { ($0 + factor - 1).quotient(factor) }
        let end = upper.map { $0.quotient(factor) }
        if let first, let end, first >= end { return [Range(grain: grain, lower: lower, upper: upper)] }
        var ranges: [Range] = []
        if let lower, let first, lower < first * factor {
            ranges.append(Range(grain: grain, lower: lower, upper: first * factor))
        }
        ranges += coarser((first, end))
        if let upper, let end, end * factor < upper { ranges.append(Range(grain: grain, lower: end * factor, upper: upper)) }
        return ranges
    }
}

extension Int {
    /// Division rounding toward minus infinity.
    fileprivate func quotient(_ divisor: Int) -> Int {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}
