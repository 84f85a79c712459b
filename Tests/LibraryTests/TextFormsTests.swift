import Crypto
import Foundation
import Library
import Testing

/// The hand-written text forms agree with Foundation's, which they replace on hot paths.
@Suite struct TextFormsTests {
    @Test func internetDatesAreWhatFoundationWrites() {
        var generator = SystemRandomNumberGenerator()
        var dates = [
            0, -1, -0.5, 0.999, 86_399.999, 86_400, 951_782_400, 4_107_542_400, -2_208_988_800, 253_402_300_799,
            1_764_938_042.75, -62_135_596_800,
        ].map(Date.init(timeIntervalSince1970:))
        for _ in 0..<20_000 {
            dates.append(Date(timeIntervalSince1970: Double.random(in: -62_135_596_800...253_402_300_799, using: &generator)))
        }
        for date in dates {
            #expect(InternetDate.string(date) == date.formatted(Date.ISO8601FormatStyle()), "\(date.timeIntervalSince1970)")
        }
    }

    @Test func datesOutsideFourDigitYearsAreLeftToFoundation() {
        for seconds in [-62_135_596_801.0, 253_402_300_800, 1e13, -1e13] {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(InternetDate.string(date) == date.formatted(Date.ISO8601FormatStyle()))
        }
    }

    @Test func hexIsLowercaseAndTwoDigitsAByte() {
        #expect(Hex.string([UInt8]()) == "")
        #expect(Hex.string([0, 1, 0x0f, 0x10, 0xab, 0xff]) == "00010f10abff")
        let digest = SHA256.hash(data: Data("playkeeper".utf8))
        #expect(Hex.string(digest) == digest.map { String(format: "%02x", $0) }.joined())
    }
}
