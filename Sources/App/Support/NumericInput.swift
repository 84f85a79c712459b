import Foundation
import Library

/// Numbers that come from outside (a query, a form, a flag, an environment variable), read and range-checked
/// in one way. Nothing read here can trap later: a value is whole, finite and inside the range its caller
/// names, so the arithmetic done on it cannot overflow.
enum NumericInput {
    /// A whole number in `range`, written as decimal digits with an optional sign; nil for anything else
    /// (`1e309`, `NaN`, `1.5`, a number past 64 bits, a value out of range).
    static func integer(_ text: String, in range: ClosedRange<Int>) -> Int? {
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else { return nil }
        return value
    }

    /// A finite number in `range`; nil for `NaN`, infinities and values out of range.
    static func decimal(_ text: String, in range: ClosedRange<Double>) -> Double? {
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite, range.contains(value) else {
            return nil
        }
        return value
    }

    /// "'limit' must be a whole number from 1 to 200, not 'abc'", with long input cut short.
    static func rangeMessage(_ what: String, _ range: ClosedRange<Int>, given text: String) -> String {
        "\(what) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(shown(text))'"
    }

    static func rangeMessage(_ what: String, _ range: ClosedRange<Double>, given text: String) -> String {
        "\(what) must be a number from \(range.lowerBound.formatted()) to \(range.upperBound.formatted()), not '\(shown(text))'"
    }

    /// At most 40 characters of what was given, so that a 1,000-digit number does not fill the error.
    static func shown(_ text: String) -> String { text.count > 40 ? text.prefix(37) + "…" : text }
}

extension NumericInput {
    /// A numeric flag's value, or its default, checked against its range: out of range is a usage error (exit 2)
    /// that names the flag.
    static func option(_ value: Int?, _ flag: String, in range: ClosedRange<Int>, default fallback: Int) throws -> Int {
        try option(value, flag, in: range) ?? fallback
    }

    /// A numeric flag without a default: nil when it was not given.
    static func option(_ value: Int?, _ flag: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let value else { return nil }
        guard range.contains(value) else { throw PlaykeeperError(.invalid, rangeMessage(flag, range, given: String(value))) }
        return value
    }

    static func option(_ value: Double?, _ flag: String, in range: ClosedRange<Double>, default fallback: Double) throws
        -> Double
    {
        guard let value else { return fallback }
        guard value.isFinite, range.contains(value) else {
            throw PlaykeeperError(.invalid, rangeMessage(flag, range, given: String(value)))
        }
        return value
    }
}
