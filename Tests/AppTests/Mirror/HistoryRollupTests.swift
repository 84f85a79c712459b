import App
import EmulatorTestSupport
import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import SQLKit
import SpotifyEmulator
import Store
import Testing

/// The statistics read from the roll-ups equal the same arithmetic done on the stored plays (`ListeningStats`),
/// for every kind, order and kind of period, on SQLite and PostgreSQL: after imports in several files, polls,
/// account-data records known only by name, and a changed play length that rebuilds them. So do what is kept beside
/// them: all time's figures per song, and each mirrored entry's mark of whether its song was ever played.
@Suite(.serialized)
struct HistoryRollupTests {
    /// 2025-11-15: three months of plays cross a year's end.
    static let start = Date(timeIntervalSince1970: 1_763_164_800)

    /// The stored plays, as the statistics' reference arithmetic takes them.
    static func storedPlays(_ mirror: TestMirror) async throws -> [ListeningStats.Play] {
        let plays = try await PlayRecord.query(on: mirror.database).all()
        let catalog = try await CatalogItemRecord.lookup(Array(Set(plays.compactMap(\.trackURI))), on: mirror.database)
        return plays.map { play in
            ListeningStats.Play(
                endedAt: play.playedAt, trackURI: play.trackURI, trackName: play.trackName, artistName: play.artistName,
                albumName: play.albumName, msPlayed: play.msPlayed, durationMS: play.trackURI.flatMap { catalog[$0]?.durationMS })
        }
    }

    static func expectAgreement(
        _ mirror: TestMirror, minimumMS: Int, now: Date, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let plays = try await storedPlays(mirror)
        let reader = HistoryReader(database: mirror.database, user: try await mirror.user(), minimumMS: minimumMS)
        let stats = ListeningStats(minimumMS: minimumMS)
        let entries = try await reader.ownPlaylistEntries()
        let everPlayed = Set(plays.compactMap(\.trackURI).filter { $0.hasPrefix("spotify:track:") })
        #expect(
            entries.contains { everPlayed.contains($0.uri) } && entries.contains { !everPlayed.contains($0.uri) },
            "some of the playlists' songs were played, some never", sourceLocation: sourceLocation)
        let periods = [
            "all", "7d", "30d", "90d", "1y", "2025-11-20..2026-01-10", "2025-12-01..2025-12-31", "2026-01-31..2026-02-02",
            // A quarter and days; then days, a year, a quarter and days.
            "2025-10-01..2026-01-10", "2024-12-15..2026-04-19",
        ]
        for text in periods {
            let period = try ListeningPeriod.parse(text, now: now, field: "period")
            let inPeriod = plays.filter { play in
                period.from.map { play.endedAt >= $0 } ?? true && period.to.map { play.endedAt < $0 } ?? true
            }
            #expect(!inPeriod.isEmpty, "\(text) holds plays", sourceLocation: sourceLocation)
            for kind in ListeningStats.Kind.allCases {
                for order in ListeningStats.Order.allCases {
                    let read = try await reader.top(kind, by: order, limit: 15, in: period)
                    let computed = stats.top(kind, by: order, limit: 15, in: inPeriod)
                    #expect(read == computed, "\(text): \(kind) by \(order)", sourceLocation: sourceLocation)
                }
            }
            let heardBefore = Set(
                plays.filter { play in period.from.map { play.endedAt < $0 } ?? false }
                    .filter { ($0.trackURI?.hasPrefix("spotify:track:") ?? ($0.trackName != nil)) && stats.counts($0) }
                    .map(ListeningStats.trackKey))
            let summary = try await reader.summary(in: period)
            #expect(
                summary == stats.summary(of: inPeriod, heardBefore: heardBefore), "\(text): summary",
                sourceLocation: sourceLocation)
            // The own playlists' songs played in the period, and those never played, against the same arithmetic.
            let played = Set(inPeriod.compactMap(\.trackURI).filter { $0.hasPrefix("spotify:track:") })
            let playlists = try await reader.playlistListening(in: period)
            #expect(!playlists.coverage.isEmpty && playlists.coverage.contains { $0.played > 0 }, sourceLocation: sourceLocation)
            #expect(
                playlists.coverage == PlaylistListening.coverage(entries, played: played), "\(text): coverage",
                sourceLocation: sourceLocation)
            #expect(
                playlists.neverPlayed == PlaylistListening.neverPlayed(entries, everPlayed: everPlayed), "\(text): never",
                sourceLocation: sourceLocation)
        }
        // All time's figures per song (`play_songs`, refreshed for the songs each refresh touches) equal the same
        // songs' figures summed from the year, quarter, month and day rows over a period that covers all of it.
        let kept = try await reader.songFigures(in: .allTime)
        let summed = try await reader.songFigures(in: try ListeningPeriod.parse("1971-01-01..2099-01-01", now: now, field: "p"))
        #expect(!kept.isEmpty && kept == summed, "all time's figures per song", sourceLocation: sourceLocation)
        // Every mirrored entry says whether its song was ever played or skipped (`entries.played`), whenever the
        // entry or the play came first.
        for entry in try await EntryRecord.query(on: mirror.database).all() {
            let played = entry.uri.map { $0.hasPrefix("spotify:track:") && everPlayed.contains($0) } ?? false
            #expect(entry.played == played, "\(entry.uri ?? "-") played: \(entry.played)", sourceLocation: sourceLocation)
        }
    }

    @Test(arguments: StoreKind.available)
    func theRollupsAgreeWithThePlays(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind) { mirror in
            // Every song but five of the person's own playlists' is played: the never-played list has them to show.
            var library = await mirror.state.library()
            let listed = Set(library.playlists.filter { $0.owner == "demo" }.flatMap { $0.entries.map(\.uri) })
            let unheard = Set(library.tracks.map { "spotify:track:\($0.id)" }.filter(listed.contains).prefix(5))
            #expect(unheard.count == 5)
            library.tracks.removeAll { unheard.contains("spotify:track:\($0.id)") }
            let generator = HistoryExportGenerator(
                seed: 21, plays: 2_400, start: Self.start, perFile: 700, averagePause: 2_400)
            let actions = try await mirror.actions()
            // The library mirrored: its own playlists are what the playlist figures are about.
            _ = try await mirror.sync()
            // Extended history in four files: two imported one by one (each its own import, settled at its end), two
            // as one export (both files' days settled once, at its end). Then account data
            // for the same plays, whose records match them or, for the names no track has, stay known by name.
            let extended = generator.extendedFiles(from: library).sorted(by: { $0.key < $1.key })
            for (name, data) in extended.prefix(2) {
                let format = try #require(StreamingHistoryFile.format(ofName: name))
                _ = try await actions.importPlays(name: name, data: data, format: format)
            }
            let export = extended.dropFirst(2).map { name, data in
                HistoryFileSource(name: name, format: StreamingHistoryFile.format(ofName: name) ?? .video) { data }
            }
            let reports = try await actions.importPlays(export)
            #expect(reports.reduce(0) { $0 + $1.added } > 0)
            var other = HistoryExportGenerator(seed: 22, plays: 300, start: Self.start, averagePause: 20_000)
            other.perFile = 300
            var files = other.accountFiles(from: library)
            files["StreamingHistory_music_9.json"] = Data(
                #"[{"endTime":"2025-12-24 20:00","artistName":"Nobody","trackName":"Unknown song","msPlayed":200000}]"#.utf8)
            for (name, data) in files {
                _ = try await actions.importPlays(name: name, data: data, format: .account)
            }
            // Polled plays, which have no ms_played: their tracks' lengths count.
            let last = try #require(generator.generatePlays(from: library).last?.endedAt)
            let tracks = library.tracks.filter { !$0.unavailable }.prefix(30).map { "spotify:track:\($0.id)" }
            _ = try await mirror.state.play(
                user: "demo",
                tracks.enumerated().map {
                    EmulatorLibrary.Play(uri: $1, playedAt: last.addingTimeInterval(Double(600 * ($0 + 1))))
                })
            let report = try await actions.pollPlays()
            #expect(report.added == 30)
            // A song played before it is added to a playlist: the new entry is played as the sync writes it.
            let target = try #require(await mirror.readablePlaylists().first { $0.owner == "demo" })
            let heard = try #require(tracks.first { uri in !target.entries.contains { $0.uri == uri } })
            _ = try await mirror.state.applyAppEdit(["op": "add", "playlist": .string(target.id), "uris": [.string(heard)]])
            _ = try await mirror.sync()
            let now = last.addingTimeInterval(86_400)
            try await Self.expectAgreement(mirror, minimumMS: ListeningStats.defaultMinimumMS, now: now)
            // An export's import killed after storing its days but before regrouping: the next read regroups.
            let sql = try mirror.database.sql()
            try await sql.raw("DELETE FROM play_rollups WHERE grain >= 2").run()
            try await sql.raw("UPDATE play_rollup_builds SET dirty_from = 0, dirty_to = 30000").run()
            try await Self.expectAgreement(mirror, minimumMS: ListeningStats.defaultMinimumMS, now: now)
            // Readers that find the roll-ups built with another play length rebuild them, one after another under
            // the person's lock, even when they all arrive at once.
            let user = try await mirror.user()
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await HistoryReader(database: mirror.database, user: user, minimumMS: 45_000)
                            .summary(in: .allTime).plays
                    }
                }
                var totals = Set<Int>()
                for try await plays in group { totals.insert(plays) }
                #expect(totals.count == 1, "every reader saw the same roll-ups: \(totals)")
            }
            try await Self.expectAgreement(mirror, minimumMS: 45_000, now: now)
            // Another play length rebuilds them at the next read.
            try await Self.expectAgreement(mirror, minimumMS: 90_000, now: now)
            try await Self.expectAgreement(mirror, minimumMS: ListeningStats.defaultMinimumMS, now: now)
        }
    }
}
