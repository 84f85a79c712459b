import App
import EmulatorTestSupport
import FluentKit
import Library
import NIOHTTP1
import Foundation
import PlaykeeperJSON
import SpotifyEmulator
import Store
import Testing

/// Names that Spotify sends with a NUL or other control characters never stop a sync and are never cut short,
/// on SQLite and PostgreSQL: other control characters survive unchanged; a NUL, which neither store can keep in
/// text, is kept as U+FFFD, with the exact text in the raw JSON.
@Suite(.serialized)
struct ControlCharacterTests {
    static let playlistName = "Mix\u{0}Tape\u{1}\t"
    static let trackName = "Song\u{0}Title"

    static func library() -> EmulatorLibrary {
        var library = LibraryGenerator(seed: 7, playlists: 3, items: 20).generate()
        let owned = library.playlists.firstIndex {
            $0.owner == "demo" && $0.entries.first?.uri.hasPrefix("spotify:track:") == true
        }!
        library.playlists[owned].name = playlistName
        let first = library.playlists[owned].entries.first!.uri
        let track = library.tracks.firstIndex { $0.uri == first }!
        library.tracks[track].name = trackName
        return library
    }

    @Test(arguments: StoreKind.available)
    func namesWithANulSurviveTheStoreAndTheAPI(_ kind: StoreKind) async throws {
        try await TestServer.with(kind, library: Self.library()) { server in
            let report = try await server.mirror.sync()
            #expect(report.failures.isEmpty, "\(report.failures)")
            let id = try #require(await server.mirror.state.library().playlists.first { $0.name == Self.playlistName }?.id)
            let stored = try #require(try await server.mirror.playlist(id))
            #expect(stored.name == "Mix\u{FFFD}Tape\u{1}\t", "\(stored.name.debugDescription)")
            #expect(try JSONValue(parsing: stored.raw ?? "")["name"]?.stringValue == Self.playlistName, "the raw JSON is exact")

            let token = try await server.token()
            let playlist = try await server.send(.GET, "/api/v1/playlists/\(id)", bearer: token)
            #expect(playlist.json["name"]?.stringValue == "Mix\u{FFFD}Tape\u{1}\t")
            let entries = try await server.send(.GET, "/api/v1/playlists/\(id)/entries", bearer: token)
            #expect(entries.json["items"]?[0]?["name"]?.stringValue == "Song\u{FFFD}Title", "\(entries.body.prefix(300))")
            let item = try #require(
                try await CatalogItemRecord.query(on: server.database).filter(\.$name == "Song\u{FFFD}Title").first())
            #expect(try JSONValue(parsing: item.raw)["name"]?.stringValue == Self.trackName, "the raw JSON is exact")
            // A second sync finds nothing changed: the stored form is stable.
            let again = try await server.mirror.sync()
            #expect(again.playlistsChanged == 0)
        }
    }
}
