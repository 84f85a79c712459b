import Foundation
import SpotifyEmulator
import Testing

struct LibraryGeneratorTests {
    @Test func theSameSeedGivesTheSameLibrary() {
        #expect(
            LibraryGenerator(seed: 5, playlists: 4, items: 30).generate()
                == LibraryGenerator(seed: 5, playlists: 4, items: 30).generate())
        #expect(
            LibraryGenerator(seed: 5, playlists: 4, items: 30).generate()
                != LibraryGenerator(seed: 6, playlists: 4, items: 30).generate())
    }

    @Test func itHoldsEverythingThatTripsClients() throws {
        let library = LibraryGenerator(seed: 1, playlists: 10, items: 80).generate()
        let owned = library.playlists.filter { $0.owner == "demo" }
        #expect(owned.count == 10)
        for playlist in owned { #expect((64...96).contains(playlist.entries.count), "about 80 items each") }
        let entries = owned.flatMap(\.entries)
        #expect(entries.contains { $0.uri.hasPrefix("spotify:local:") })
        #expect(entries.contains { $0.uri.hasPrefix("spotify:episode:") })
        let tracks = Dictionary(uniqueKeysWithValues: library.tracks.map { ($0.uri, $0) })
        #expect(entries.contains { tracks[$0.uri]?.unavailable == true }, "unavailable entries")
        #expect(entries.contains { tracks[$0.uri]?.playable == false }, "unplayable entries")
        #expect(entries.contains { tracks[$0.uri]?.relinkedTo != nil }, "relinked entries")
        #expect(
            owned.contains { playlist in Set(playlist.entries.map(\.uri)).count < playlist.entries.count },
            "duplicates within a playlist")
        let perPlaylist = owned.map { Set($0.entries.map(\.uri)) }
        #expect(perPlaylist[0].intersection(perPlaylist[1]).count > 0, "duplicates across playlists")

        // Twins: the same ISRC and artists, durations within 1 s, different URIs.
        let byISRC = Dictionary(grouping: library.tracks.filter { $0.isrc != nil }, by: { $0.isrc! })
        let twins = byISRC.values.filter { $0.count > 1 }
        #expect(!twins.isEmpty)
        for group in twins {
            #expect(Set(group.map(\.id)).count == group.count)
            #expect(Set(group.map { $0.artists.map(\.id) }).count == 1)
            #expect(abs(group[0].durationMS - group[1].durationMS) <= 1000)
        }
        #expect(
            entries.contains { entry in twins.contains { $0.dropFirst().contains { $0.uri == entry.uri } } },
            "twins sit in playlists")
        #expect(library.tracks.contains { $0.name.hasSuffix(" (Live)") || $0.name.contains(" - ") }, "version variants")

        #expect(
            library.playlists.contains {
                $0.owner != "demo" && !$0.collaborative && !$0.editorial && library.follows["demo"]!.contains($0.id)
            })
        #expect(library.playlists.contains { $0.collaborative && $0.collaborators.contains("demo") })
        #expect(library.playlists.contains { $0.editorial })
        #expect((library.liked["demo"] ?? []).count >= 100)
        #expect(library.users.contains { !$0.allowListed })
    }

    /// A year with a story: faded favourites are not played after they fade, late discoveries not before, and a
    /// seventh of the other songs never; without a story every song may come up at any time.
    @Test func aHistoryWithAStoryFadesDiscoversAndLeavesSongsUnplayed() {
        let library = LibraryGenerator(seed: 1, playlists: 8, items: 40).generate()
        let start = Date(timeIntervalSince1970: 1_760_000_000)
        var generator = HistoryExportGenerator(seed: 1, plays: 14_000, start: start, averagePause: 1_500)
        let end = start.addingTimeInterval(365 * 86_400)
        generator.end = end
        let story = HistoryExportGenerator.Story(
            fadeAfter: end.addingTimeInterval(-150 * 86_400), discoverAfter: end.addingTimeInterval(-25 * 86_400))
        let plain = generator.generatePlays(from: library)
        generator.story = story
        let told = generator.generatePlays(from: library)
        let tracks = library.tracks.filter { !$0.unavailable }
        let favourites = tracks.count / 10
        let index = Dictionary(tracks.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
        let kind = { (play: HistoryExportGenerator.Play) -> Int in index[play.track.id]! }
        #expect(!told.contains { kind($0) < favourites / 2 && $0.endedAt > story.fadeAfter })
        #expect(told.contains { kind($0) < favourites / 2 }, "faded favourites were played before")
        #expect(!told.contains { kind($0) >= favourites && (kind($0) - favourites) % 7 == 0 }, "a seventh never played")
        #expect(!told.contains { kind($0) >= favourites && (kind($0) - favourites) % 7 == 1 && $0.endedAt < story.discoverAfter })
        #expect(told.contains { kind($0) >= favourites && (kind($0) - favourites) % 7 == 1 }, "and discovered late")
        #expect(
            plain.contains { kind($0) >= favourites && (kind($0) - favourites) % 7 == 0 }, "without a story, every song comes up")
    }
}
