import EmulatorTestSupport
import Foundation
import Library
import PlaykeeperJSON
import SpotifyEmulator
import SpotifyWebAPI
import Testing

/// The sync reads entries straight from a response's text (`MirroredEntry`); the rows it stores must be the ones
/// the tree path (`PlaylistEntry`) gives for the same response.
struct MirroredEntryTests {
    /// The fixtures that hold playlist entries: pages of them, and full playlists with a first page.
    static let pages = [
        "playlist-items-page-2022.json", "playlist-items-page-2026-item-and-track.json",
        "playlist-items-episode-with-additional-types-2021.json",
        "playlist-items-episode-without-additional-types-2021.json", "saved-tracks-page-2015.json",
    ]
    static let playlists = [
        "playlist-full-2026-tracks-and-items.json", "playlist-full-with-episode-2024.json",
        "playlist-with-fields-filter-2022.json", "playlist-with-local-files-and-episodes-reencoded.json",
    ]

    @Test(.enabled(if: Fixtures.available || Fixtures.required), arguments: pages)
    func fixturePagesGiveTheRowsTheTreeGives(_ name: String) throws {
        let data = try Fixtures.data(name)
        let tree = try Page<PlaylistEntry>(data: data)
        let read = try MirroredPage(data: data)
        #expect(read.total == tree.total)
        #expect(!read.entries.isEmpty)
        Self.expectSameRows(tree.items, read.entries, sameText: false)
    }

    @Test(.enabled(if: Fixtures.available || Fixtures.required), arguments: playlists)
    func fixturePlaylistsGiveTheRowsTheTreeGives(_ name: String) throws {
        let data = try Fixtures.data(name)
        let tree = try Playlist(data: data)
        let read = try MirroredPlaylist(data: data)
        #expect(read.playlist.snapshotID == tree.snapshotID && read.playlist.total == tree.total)
        #expect(read.playlist.name == tree.name && read.playlist.owner?.id == tree.owner?.id)
        let first = try #require(tree.firstPage)
        let readFirst = try #require(read.firstPage)
        #expect(readFirst.total == first.total)
        Self.expectSameRows(first.items, readFirst.entries, sameText: false)
    }

    @Test func everyKindOfEmulatorEntryGivesTheRowTheTreeGives() async throws {
        try await TestMirror.with(.sqlite, library: LibraryGenerator(seed: 7, playlists: 6, items: 160).generate()) { mirror in
            let client = mirror.api.client(for: "demo")
            var kinds = Set<PlaylistEntry.Kind>()
            for playlist in await mirror.readablePlaylists() {
                let tree = try await client.playlist(playlist.id)
                let read = try await client.playlistForMirror(playlist.id)
                #expect(read.playlist.snapshotID == tree.snapshotID && read.playlist.total == tree.total)
                #expect(read.playlist.firstPage == nil)
                let first = try #require(tree.firstPage)
                Self.expectSameRows(first.items, try #require(read.firstPage).entries, sameText: true)
                kinds.formUnion(first.items.map { $0?.kind ?? .unavailable })
                guard playlist.entries.count > 100 else { continue }
                let page = try await client.playlistItemsPage(playlist.id, offset: 100)
                let readPage = try await client.playlistItemsPageForMirror(playlist.id, offset: 100)
                #expect(readPage.total == page.total)
                Self.expectSameRows(page.items, readPage.entries, sameText: true)
                kinds.formUnion(page.items.map { $0?.kind ?? .unavailable })
            }
            #expect(kinds == Set(PlaylistEntry.Kind.allCases))
        }
    }

    /// The rows of both paths are equal; their raw JSON is the same JSON, and with `sameText` the same text
    /// (compact text whose strings need no other escaping, as the emulator writes it).
    static func expectSameRows(
        _ entries: [PlaylistEntry?], _ mirrored: [MirroredEntry?], sameText: Bool,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let trees = entries.enumerated().map { EntryRow(entry: $0.element, position: $0.offset) }
        let reads = mirrored.enumerated().map { EntryRow(mirrored: $0.element, position: $0.offset) }
        #expect(reads.count == trees.count, sourceLocation: sourceLocation)
        for (tree, read) in zip(trees, reads) {
            let texts = [(tree.raw, read.raw), (tree.catalog?.raw ?? "", read.catalog?.raw ?? "")]
            for (treeText, readText) in texts {
                if sameText {
                    #expect(readText == treeText, sourceLocation: sourceLocation)
                } else {
                    #expect(
                        (try? JSONValue(parsing: readText)) == (try? JSONValue(parsing: treeText)), "\(readText)",
                        sourceLocation: sourceLocation)
                    #expect(!readText.contains("\n"), "compact text", sourceLocation: sourceLocation)
                }
            }
            var alike = read
            alike.raw = tree.raw
            alike.catalog?.raw = tree.catalog?.raw ?? ""
            #expect(alike == tree, sourceLocation: sourceLocation)
        }
    }
}
