import Foundation
import PlaykeeperJSON
@testable import SpotifyWebAPI
import Testing

struct SpotifyDateTests {
    @Test func theFastPathReadsWhatTheFormatterReads() throws {
        // Every 37 hours and 11 seconds from 1899 to 2101: leap days, century years and every month boundary.
        var seconds = -2_240_611_200
        var checked = 0
        while seconds < 4_133_980_800 {
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            let text = date.formatted(.iso8601)
            #expect(SpotifyDate.parseSeconds(text) == date, "\(text)")
            #expect(SpotifyDate.parseSeconds(text) == (try Date(text, strategy: .iso8601)), "\(text)")
            seconds += 37 * 3_600 + 11
            checked += 1
        }
        #expect(checked > 45_000)
        for text in ["2000-02-29T23:59:59Z", "1970-01-01T00:00:00Z", "2100-03-01T00:00:00Z", "1900-02-28T12:00:00Z"] {
            #expect(SpotifyDate.parseSeconds(text) == (try Date(text, strategy: .iso8601)), "\(text)")
        }
    }

    @Test(arguments: [
        "2026-02-29T00:00:00Z", "2100-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z",
        "2026-04-31T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z", "2026-01-01T00:00:60Z",
        "2026-01-01 00:00:00Z", "2026-01-01T00:00:00+01:00", "2026-01-01T00:00:00.250Z", "2026-1-01T00:00:00Z",
        "20x6-01-01T00:00:00Z",
    ])
    func anythingElseIsLeftToTheFormatter(_ text: String) {
        #expect(SpotifyDate.parseSeconds(text) == nil)
    }

    @Test func fractionsAndOffsetsStillParse() {
        #expect(SpotifyDate.parse("2026-01-01T00:00:00.250Z") == Date(timeIntervalSince1970: 1_767_225_600.25))
        #expect(SpotifyDate.parse("2026-01-01T01:00:00+01:00") == Date(timeIntervalSince1970: 1_767_225_600))
        #expect(SpotifyDate.parse("2026-01-01T00:00:00Z") == Date(timeIntervalSince1970: 1_767_225_600))
        #expect(SpotifyDate.parse("yesterday") == nil)
        #expect(SpotifyDate.parse(nil) == nil)
    }
}
