import Foundation
import Library
import Testing

/// The statistics' arithmetic, without a database.
struct ListeningStatsTests {
    /// Monday 2026-11-30, 00:00 UTC.
    static let monday = Date(timeIntervalSince1970: 1_795_996_800)

    static func play(
        _ track: String, artist: String = "A", album: String = "X", at hours: Double, ms: Int? = 200_000,
        duration: Int? = 180_000
    ) -> ListeningStats.Play {
        ListeningStats.Play(
            endedAt: monday.addingTimeInterval(hours * 3600), trackURI: "spotify:track:\(track)", trackName: track.uppercased(),
            artistName: artist, albumName: album, msPlayed: ms, durationMS: duration)
    }

    @Test func aPlayCountsFromThirtySecondsAndAPolledPlayInFull() {
        let stats = ListeningStats()
        #expect(stats.counts(Self.play("a", at: 0, ms: 30_000)))
        #expect(!stats.counts(Self.play("a", at: 0, ms: 29_999)))
        #expect(stats.counts(Self.play("a", at: 0, ms: nil)))
        #expect(ListeningStats(minimumMS: 60_000).counts(Self.play("a", at: 0, ms: 45_000)) == false)
    }

    @Test func topRanksByPlaysOrByTimeAndSkipsDoNotCount() {
        let plays = [
            Self.play("a", artist: "A", at: 1, ms: 100_000), Self.play("a", artist: "A", at: 2, ms: 100_000),
            Self.play("a", artist: "A", at: 3, ms: 5_000),  // a skip
            Self.play("b", artist: "B", album: "Y", at: 4, ms: 500_000),
            Self.play("c", artist: "B", album: "Y", at: 5, ms: nil, duration: 240_000),  // polled: its length counts
            ListeningStats.Play(
                endedAt: Self.monday, trackURI: "spotify:episode:e", trackName: "Pilot", artistName: "Show", albumName: nil,
                msPlayed: 900_000, durationMS: nil),
        ]
        let stats = ListeningStats()
        let byPlays = stats.top(.tracks, by: .plays, limit: 10, in: plays)
        #expect(byPlays.map(\.name) == ["A", "B", "C"], "an episode is not a song")
        #expect(byPlays[0].plays == 2 && byPlays[0].listenedMS == 200_000)
        #expect(stats.top(.tracks, by: .time, limit: 2, in: plays).map(\.name) == ["B", "C"])
        let artists = stats.top(.artists, by: .plays, limit: 10, in: plays)
        #expect(artists.map(\.name) == ["A", "B"] && artists.map(\.plays) == [2, 2], "a tie goes to the earlier first play")
        #expect(stats.top(.artists, by: .time, limit: 10, in: plays).map(\.listenedMS) == [740_000, 200_000])
        #expect(stats.top(.albums, by: .plays, limit: 1, in: plays).first?.name == "X")
    }

    @Test func theSummaryCountsDaysHoursNewSongsAndStreaks() {
        let plays = [
            Self.play("a", at: 1), Self.play("b", at: 2), Self.play("a", at: 3),  // Monday
            Self.play("c", at: 24 + 13),  // Tuesday 13:00
            Self.play("d", at: 24 + 14, ms: 1_000),  // a skip
            Self.play("a", at: 72 + 9),  // Thursday: the streak breaks on Wednesday
        ]
        let summary = ListeningStats().summary(of: plays, heardBefore: ["spotify:track:b"])
        #expect(summary.plays == 5 && summary.skips == 1)
        #expect(summary.listenedMS == 5 * 200_000)
        #expect(summary.newPlays == 2 && summary.repeatPlays == 3, "a and c are new; b was heard before; a twice more")
        #expect(summary.distinctTracks == 3 && summary.distinctArtists == 1)
        #expect(summary.perDay == ["2026-11-30": 3, "2026-12-01": 1, "2026-12-03": 1])
        #expect(summary.hourOfWeek[0][1] == 1 && summary.hourOfWeek[0][3] == 1 && summary.hourOfWeek[1][13] == 1)
        #expect(summary.hourOfWeek[3][9] == 1 && summary.hourOfWeek.joined().reduce(0, +) == 5)
        #expect(summary.longestStreakDays == 2)
    }

    @Test func periodsAreParsedAndBadOnesRefusedByName() throws {
        let now = Self.monday
        // The last 30 days are today and the 29 before it, whole days.
        let thirty = try ListeningPeriod.parse("30d", now: now.addingTimeInterval(3600 * 15), field: "--period")
        #expect(thirty.from == now.addingTimeInterval(-29 * 86_400) && thirty.to == nil)
        #expect(try ListeningPeriod.parse("all", now: now, field: "--period").from == nil)
        let range = try ListeningPeriod.parse("2026-11-01..2026-11-30", now: now, field: "--period")
        #expect(range.from == Date(timeIntervalSince1970: 1_793_491_200) && range.to == now.addingTimeInterval(86_400))
        for bad in ["", "30", "2w", "2026-12-01..2026-11-01", "2026-11-01", "x..y"] {
            let error = #expect(throws: PlaykeeperError.self) { try ListeningPeriod.parse(bad, now: now, field: "--period") }
            #expect(error?.message.contains("--period") == true, "\(bad)")
        }
    }

    @Test func playlistCoverageAndNeverPlayedSongs() {
        func entry(_ playlist: String, _ uri: String, day: Double) -> PlaylistListening.Entry {
            PlaylistListening.Entry(
                playlistID: playlist, playlistName: playlist.uppercased(), uri: "spotify:track:\(uri)", trackName: uri,
                addedAt: Self.monday.addingTimeInterval(day * 86_400))
        }
        let entries = [
            entry("p1", "a", day: 3), entry("p1", "b", day: 1), entry("p1", "a", day: 4), entry("p2", "c", day: 2),
            entry("p2", "b", day: 0), entry("p2", "d", day: 5),
        ]
        let coverage = PlaylistListening.coverage(entries, played: ["spotify:track:a", "spotify:track:d"])
        #expect(coverage.map(\.id) == ["p1", "p2"] && coverage.map(\.songs) == [2, 3] && coverage.map(\.played) == [1, 1])
        let never = PlaylistListening.neverPlayed(entries, everPlayed: ["spotify:track:a"])
        #expect(never.map(\.name) == ["b", "c", "d"], "each once, in the order added")
        #expect(never.first?.playlist == "P2", "where it was added first")
    }
}
