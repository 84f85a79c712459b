import Foundation
import Library
import Store
import Testing

/// The calendar arithmetic on day numbers, and the split of a period into roll-up buckets, checked day by day.
struct RollupRangesTests {
    @Test func dayNumbersAgreeWithTheGregorianCalendar() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for day in stride(from: -800, to: 40_000, by: 37) {
            let date = RollupRanges.date(ofDay: day)
            let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: date)
            let civil = RollupRanges.civil(day)
            #expect(civil.year == parts.year && civil.month == parts.month && civil.day == parts.day, "day \(day)")
            #expect(RollupRanges.day(year: civil.year, month: civil.month, day: civil.day) == day)
            #expect(RollupRanges.weekday(ofDay: day) == ((parts.weekday ?? 1) + 5) % 7, "Monday is 0")
            #expect(RollupRanges.day(of: date.addingTimeInterval(86_399.5)) == day)
        }
        #expect(RollupRanges.label(ofDay: RollupRanges.day(year: 2024, month: 2, day: 29)) == "2024-02-29")
        for day in [-400, 0, 19_000, 20_424] { #expect(RollupRanges.day(label: RollupRanges.label(ofDay: day)) == day) }
        for bad in ["2023-02-29", "2024-13-01", "2024-1", "x-y-z", ""] { #expect(RollupRanges.day(label: bad) == nil, "\(bad)") }
        #expect(RollupRanges.firstDay(ofMonth: 2026 * 12 + 11) == RollupRanges.day(year: 2026, month: 12, day: 1))
    }

    /// The days a set of ranges covers, each range's bucket expanded, so that overlaps show.
    static func days(_ ranges: [RollupRanges.Range], within bounds: Range<Int>) -> [Int] {
        ranges.flatMap { range -> [Int] in
            let (lower, upper): (Int, Int)
            switch range.grain {
            case .day: (lower, upper) = (range.lower ?? bounds.lowerBound, range.upper ?? bounds.upperBound)
            case .month:
                (lower, upper) = (
                    range.lower.map(RollupRanges.firstDay(ofMonth:)) ?? bounds.lowerBound,
                    range.upper.map(RollupRanges.firstDay(ofMonth:)) ?? bounds.upperBound
                )
            case .quarter:
                (lower, upper) = (
                    range.lower.map { RollupRanges.firstDay(ofMonth: $0 * 3) } ?? bounds.lowerBound,
                    range.upper.map { RollupRanges.firstDay(ofMonth: $0 * 3) } ?? bounds.upperBound
                )
            case .all: (lower, upper) = (bounds.lowerBound, bounds.upperBound)
            case .year:
                (lower, upper) = (
                    range.lower.map { RollupRanges.day(year: $0, month: 1, day: 1) } ?? bounds.lowerBound,
                    range.upper.map { RollupRanges.day(year: $0, month: 1, day: 1) } ?? bounds.upperBound
                )
            }
            return lower < upper ? Array(lower..<upper) : []
        }
    }

    @Test func aPeriodIsCoveredExactlyOnceByFewBuckets() {
        var random = SystemRandomNumberGenerator()
        let start = RollupRanges.day(year: 2019, month: 1, day: 1)
        let end = RollupRanges.day(year: 2031, month: 1, day: 1)
        var cases: [(Int?, Int?)] = [(nil, nil), (start, nil), (nil, end)]
        // Month and year edges, and random periods of a day to ten years.
        let edges = [RollupRanges.day(year: 2024, month: 1, day: 1), RollupRanges.day(year: 2024, month: 3, day: 1)]
        for edge in edges { cases += [(edge, edge + 1), (edge - 1, edge + 1), (edge, edge + 366), (edge - 31, edge)] }
        for _ in 0..<300 {
            let from = start + Int.random(in: 0..<3000, using: &random)
            cases.append((from, from + Int.random(in: 1..<3700, using: &random)))
        }
        for (from, to) in cases {
            let ranges = RollupRanges.split(fromDay: from, toDay: to)
            let bounds = (start - 400)..<(end + 400)
            let covered = Self.days(ranges, within: bounds)
            let expected = Array((from ?? bounds.lowerBound)..<(to ?? bounds.upperBound))
            #expect(covered.sorted() == expected, "\(String(describing: from))..<\(String(describing: to)): \(ranges)")
            #expect(ranges.count <= 7, "\(ranges)")
            // At most four months and six quarters (two and three at either end of whole years): few buckets.
            for (grain, most) in [(PlayRollup.Grain.month, 4), (.quarter, 6)] {
                let buckets = ranges.filter { $0.grain == grain }.map { ($0.upper ?? 0) - ($0.lower ?? 0) }
                if from != nil, to != nil { #expect(buckets.reduce(0, +) <= most, "\(ranges)") }
            }
            if let from, let to, to - from > 800 {
                #expect(ranges.contains { $0.grain == .year }, "a period of years reads year buckets: \(ranges)")
            }
        }
        #expect(RollupRanges.split(fromDay: 10, toDay: 10).isEmpty)
        // The benchmark's costliest shape: a partial month, a month and quarters, years, quarters, a month, days.
        let (from, to) = (RollupRanges.day(year: 2016, month: 2, day: 15), RollupRanges.day(year: 2025, month: 11, day: 14))
        #expect(
            RollupRanges.split(fromDay: from, toDay: to) == [
                .init(grain: .day, lower: from, upper: RollupRanges.day(year: 2016, month: 3, day: 1)),
                .init(grain: .month, lower: 2016 * 12 + 2, upper: 2016 * 12 + 3),
                .init(grain: .quarter, lower: 2016 * 4 + 1, upper: 2017 * 4),
                .init(grain: .year, lower: 2017, upper: 2025),
                .init(grain: .quarter, lower: 2025 * 4, upper: 2025 * 4 + 3),
                .init(grain: .month, lower: 2025 * 12 + 9, upper: 2025 * 12 + 10),
                .init(grain: .day, lower: RollupRanges.day(year: 2025, month: 11, day: 1), upper: to),
            ])
        #expect(RollupRanges.split(fromDay: nil, toDay: nil) == [.init(grain: .year, lower: nil, upper: nil)])
    }
}
