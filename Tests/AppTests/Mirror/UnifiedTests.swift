import App
import EmulatorTestSupport
import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import SpotifyEmulator
import SpotifyWebAPI
import Store
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The unified playlist against the emulator: what it holds, and how few writes keep it current.
@Suite(.serialized)
struct UnifiedTests {
    static let base = Date(timeIntervalSince1970: 1_750_000_000)

    static func trackURI(_ index: Int) -> String { "spotify:track:" + String(format: "utk%019d", index) }

    /// `tracks` tracks, and one playlist per list of track indexes, owned by `demo`, entries a minute apart.
    static func library(tracks: Int, playlists: [[Int]]) -> EmulatorLibrary {
        let artist = EmulatorLibrary.Artist(id: "artist0000000000000001", name: "The Band")
        let album = EmulatorLibrary.Album(id: "album00000000000000001", name: "Record", type: "album", releaseDate: "2020-01-01")
        let catalogue = (0..<tracks).map { index in
            EmulatorLibrary.Track(
                id: String(format: "utk%019d", index), name: "Song \(index)", artists: [artist], album: album,
                durationMS: 180_000 + index, isrc: String(format: "QZ%010d", index))
        }
        var minute = 0.0
        let lists = playlists.enumerated().map { number, indexes in
            EmulatorLibrary.Playlist(
                id: String(format: "upl%019d", number), owner: "demo", name: "Source \(number)",
                entries: indexes.map { index in
                    minute += 1
                    return EmulatorLibrary.Entry(
                        uri: trackURI(index), addedAt: base.addingTimeInterval(minute * 60), addedBy: "demo")
                })
        }
        return EmulatorLibrary(
            users: [.init(id: "demo", displayName: "Demo")], tracks: catalogue, playlists: lists,
            follows: ["demo": lists.map(\.id)])
    }

    // MARK: Helpers

    func service(_ mirror: TestMirror) async throws -> UnifiedService {
        UnifiedService(database: mirror.database, client: mirror.api.client(for: "demo"), user: try await mirror.user())
    }

    /// A sync, then an update, as the command and the service run them.
    @discardableResult
    func unify(_ mirror: TestMirror, preview: Bool = false, configure: ((inout UnifiedSettings) -> Void)? = nil) async throws
        -> UnifiedReport
    {
        _ = try await mirror.sync()
        let service = try await service(mirror)
        if let configure { try await service.configure(configure) }
        return try await service.update(preview: preview)
    }

    /// The shards' Spotify ids, from the emulator: the playlists `demo` owns named like the unified playlist.
    func shards(_ mirror: TestMirror, name: String = "All my tracks") async -> [EmulatorLibrary.Playlist] {
        let library = await mirror.state.library()
        let listed = Set(library.follows["demo"] ?? [])
        return library.playlists.filter { listed.contains($0.id) && ($0.name == name || $0.name.hasPrefix(name + " (")) }
            .sorted { $0.name.count == $1.name.count ? $0.name < $1.name : $0.name.count < $1.name.count }
    }

    /// What the unified playlist must hold, computed from the emulator's state alone: one copy of every
    /// readable, available track of the sources, by earliest `added_at`, then source order, then position.
    func expected(_ mirror: TestMirror, excluding managed: Set<String>) async -> [String] {
        let library = await mirror.state.library()
        let unusable = Set(library.tracks.filter { $0.unavailable || !$0.playable }.map(\.uri))
        let sources = await mirror.readablePlaylists().filter { !managed.contains($0.id) }
        var candidates: [(uri: String, addedAt: Date?, source: Int, position: Int)] = []
        for (source, playlist) in sources.enumerated() {
            for (position, entry) in playlist.entries.enumerated()
            where entry.uri.hasPrefix("spotify:track:") && !unusable.contains(entry.uri) {
                candidates.append((entry.uri, entry.addedAt, source, position))
            }
        }
        candidates.sort { a, b in
            switch (a.addedAt, b.addedAt) {
            case let (x?, y?) where x != y: return x < y
            case (_?, nil): return true
            case (nil, _?): return false
            default: return (a.source, a.position) < (b.source, b.position)
            }
        }
        var seen = Set<String>()
        return candidates.map(\.uri).filter { seen.insert($0).inserted }
    }

    func writes(_ mirror: TestMirror) async -> (adds: Int, removes: Int, creates: Int) {
        let log = await mirror.state.requestLog().requests
        return (
            log.filter { $0.endpoint == "POST /v1/playlists/{id}/items" }.count,
            log.filter { $0.endpoint == "DELETE /v1/playlists/{id}/items" }.count,
            log.filter { $0.endpoint == "POST /v1/me/playlists" }.count
        )
    }

    func edit(_ mirror: TestMirror, _ edit: JSONValue) async throws { _ = try await mirror.state.applyAppEdit(edit) }

    // MARK: Building

    @Test(arguments: StoreKind.available)
    func theFirstBuildHoldsOneCopyOfEveryAvailableSongInFirstAddedOrder(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind, library: LibraryGenerator(seed: 21, playlists: 6, items: 80).generate()) { mirror in
            _ = try await mirror.sync()
            await mirror.state.resetRequestLog()
            let report = try await unify(mirror)
            let shard = try #require(await shards(mirror).first)
            let expected = await expected(mirror, excluding: [shard.id])
            #expect(await mirror.state.uris(of: shard.id) == expected)
            #expect(!shard.isPublic, "private by default")
            #expect(report.songs == expected.count && report.status == "updated")
            #expect(report.shards.first?.status == "verified")
            #expect(report.skipped.contains { $0.reason == "local file" }, "local files are reported, not dropped silently")
            let (adds, removes, creates) = await writes(mirror)
            #expect(creates == 1 && removes == 0)
            #expect(adds == ceilDiv(expected.count, 100), "appended in batches of 100")
            #expect(report.writes == adds + creates)

            // Nothing changed: zero writes, and it never counts itself as a source.
            await mirror.state.resetRequestLog()
            let again = try await unify(mirror)
            #expect(again.status == "unchanged" && again.writes == 0)
            let quiet = await writes(mirror)
            #expect(quiet.adds + quiet.removes + quiet.creates == 0)
            #expect(!again.sources.contains { $0.id == shard.id })
            #expect(await mirror.state.uris(of: shard.id) == expected)

            // Its shards are Playkeeper's own: `dedupe --all` leaves them alone.
            let managed = try await UnifiedService.managedIDs(of: try await mirror.user(), on: mirror.database)
            #expect(managed == [shard.id])
        }
    }

    @Test func aPreviewWritesNothingAndSavesNothing() async throws {
        try await TestMirror.with(.sqlite, library: Self.library(tracks: 50, playlists: [Array(0..<30), Array(20..<50)])) {
            mirror in
            let preview = try await unify(mirror, preview: true)
            #expect(preview.status == "preview" && preview.songs == 50 && preview.writes == 2)
            #expect(preview.shards.first?.create == true)
            #expect(await shards(mirror).isEmpty)
            #expect(try await service(mirror).load().state.shards.isEmpty)
        }
    }

    // MARK: Incremental updates

    @Test func incrementalUpdatesWriteOnlyTheDifference() async throws {
        let library = Self.library(tracks: 600, playlists: [Array(0..<150), Array(100..<250), Array(240..<300)])
        try await TestMirror.with(.sqlite, library: library) { mirror in
            try await unify(mirror)
            let shard = try #require(await shards(mirror).first)
            let before = try #require(await mirror.state.uris(of: shard.id))
            #expect(before.count == 300)

            // k = 150 new songs across two sources: ⌈150/100⌉ = 2 add calls, appended after the others.
            try await edit(
                mirror,
                [
                    "op": "add", "playlist": "upl0000000000000000000",
                    "uris": .array((300..<370).map { .string(Self.trackURI($0)) }),
                ])
            try await edit(
                mirror,
                [
                    "op": "add", "playlist": "upl0000000000000000002",
                    "uris": .array((370..<450).map { .string(Self.trackURI($0)) }),
                ])
            await mirror.state.resetRequestLog()
            let grown = try await unify(mirror)
            var counts = await writes(mirror)
            #expect(counts.adds == 2 && counts.removes == 0 && counts.creates == 0)
            #expect(grown.writes == 2)
            let after = try #require(await mirror.state.uris(of: shard.id))
            #expect(Array(after.prefix(300)) == before, "songs already there are never reordered")
            #expect(after == (await expected(mirror, excluding: [shard.id])))

            // A song removed from its only source: one remove call.
            try await edit(mirror, ["op": "remove", "playlist": "upl0000000000000000000", "uris": [.string(Self.trackURI(5))]])
            await mirror.state.resetRequestLog()
            let shrunk = try await unify(mirror)
            counts = await writes(mirror)
            #expect(counts.removes == 1 && counts.adds == 0 && counts.creates == 0)
            #expect(shrunk.shards[0].removed == [Self.trackURI(5)])
            #expect(await mirror.state.uris(of: shard.id) == (await expected(mirror, excluding: [shard.id])))

            // A song still in another source stays.
            try await edit(mirror, ["op": "remove", "playlist": "upl0000000000000000000", "uris": [.string(Self.trackURI(120))]])
            await mirror.state.resetRequestLog()
            #expect(try await unify(mirror).writes == 0)

            // Removal propagation switched off: a song that left every source stays.
            try await edit(mirror, ["op": "remove", "playlist": "upl0000000000000000001", "uris": [.string(Self.trackURI(200))]])
            let kept = try await unify(mirror) { $0.propagateRemovals = false }
            #expect(kept.writes == 0)
            #expect(await mirror.state.uris(of: shard.id)?.contains(Self.trackURI(200)) == true)
        }
    }

    // MARK: Edits in the app

    @Test func editsInTheAppStickByDefault() async throws {
        try await TestMirror.with(.sqlite, library: Self.library(tracks: 100, playlists: [Array(0..<40), Array(30..<60)])) {
            mirror in
            try await unify(mirror)
            let shard = try #require(await shards(mirror).first)
            // The person removes two songs and adds one no source holds.
            try await edit(
                mirror,
                ["op": "remove", "playlist": .string(shard.id), "uris": [.string(Self.trackURI(3)), .string(Self.trackURI(33))]])
            try await edit(mirror, ["op": "add", "playlist": .string(shard.id), "uris": [.string(Self.trackURI(99))]])
            let edited = try #require(await mirror.state.uris(of: shard.id))
            await mirror.state.resetRequestLog()
            let report = try await unify(mirror)
            #expect(report.writes == 0, "their removals stick and their addition stays")
            #expect(report.notes.contains { $0.contains("edited in the Spotify app") })
            #expect(report.notes.contains { $0.contains("2 song(s) you removed in the app stay out") })
            #expect(await mirror.state.uris(of: shard.id) == edited)

            // Later updates still keep them out, and append new songs after the person's own.
            try await edit(mirror, ["op": "add", "playlist": "upl0000000000000000001", "uris": [.string(Self.trackURI(70))]])
            let later = try await unify(mirror)
            #expect(later.writes == 1)
            #expect(await mirror.state.uris(of: shard.id) == edited + [Self.trackURI(70)])
            #expect(later.personRemoved == 2)

            // A song the person adds back themselves is no longer remembered as removed.
            try await edit(mirror, ["op": "add", "playlist": .string(shard.id), "uris": [.string(Self.trackURI(3))]])
            #expect(try await unify(mirror).personRemoved == 1)
        }
    }

    @Test func theRestorePolicyPutsPlaykeepersListBack() async throws {
        try await TestMirror.with(.sqlite, library: Self.library(tracks: 100, playlists: [Array(0..<40), Array(30..<60)])) {
            mirror in
            try await unify(mirror) { $0.appEdits = .restore }
            let shard = try #require(await shards(mirror).first)
            let original = try #require(await mirror.state.uris(of: shard.id))
            try await edit(mirror, ["op": "remove", "playlist": .string(shard.id), "uris": [.string(Self.trackURI(3))]])
            try await edit(mirror, ["op": "add", "playlist": .string(shard.id), "uris": [.string(Self.trackURI(99))]])
            await mirror.state.resetRequestLog()
            let report = try await unify(mirror)
            #expect(report.restored == 1)
            #expect(report.notes.contains { $0.contains("put back") })
            let counts = await writes(mirror)
            #expect(counts.adds == 1 && counts.removes == 1)
            let now = try #require(await mirror.state.uris(of: shard.id))
            #expect(Set(now) == Set(original), "the person's addition left and the removed song came back")
            #expect(now.last == Self.trackURI(3), "a song put back is appended: nothing else moves")
        }
    }

    // MARK: Sharding and recreation

    @Test func pastTenThousandItShardsStablyUnderAppends() async throws {
        // Two sources below the cap whose union is above it.
        let library = Self.library(tracks: 10_400, playlists: [Array(0..<6_000), Array(6_000..<10_050)])
        try await TestMirror.with(.sqlite, library: library) { mirror in
            await mirror.state.resetRequestLog()
            let report = try await unify(mirror)
            let shards = await shards(mirror)
            #expect(shards.map(\.name) == ["All my tracks", "All my tracks (2)"])
            #expect(shards.map(\.entries.count) == [10_000, 50])
            let expected = await expected(mirror, excluding: Set(shards.map(\.id)))
            #expect(shards.flatMap { $0.entries.map(\.uri) } == expected)
            #expect(report.shards.map(\.status) == ["verified", "verified"])
            var counts = await writes(mirror)
            #expect(counts.creates == 2 && counts.adds == 100 + 1)

            // 120 new songs: the full shard is not touched, the last one takes them.
            try await edit(
                mirror,
                [
                    "op": "add", "playlist": "upl0000000000000000001",
                    "uris": .array((10_050..<10_170).map { .string(Self.trackURI($0)) }),
                ])
            await mirror.state.resetRequestLog()
            try await unify(mirror)
            counts = await writes(mirror)
            #expect(counts.adds == 2 && counts.creates == 0 && counts.removes == 0)
            #expect(await mirror.state.uris(of: shards[0].id) == shards[0].entries.map(\.uri), "the full shard does not shift")
            #expect(await mirror.state.uris(of: shards[1].id)?.count == 170)
        }
    }

    @Test func aDeletedUnifiedPlaylistIsCreatedAgainAndSaysSo() async throws {
        try await TestMirror.with(.sqlite, library: Self.library(tracks: 100, playlists: [Array(0..<40), Array(30..<60)])) {
            mirror in
            try await unify(mirror)
            let first = try #require(await shards(mirror).first)
            try await edit(mirror, ["op": "unfollow", "playlist": .string(first.id)])
            await mirror.state.resetRequestLog()
            let report = try await unify(mirror)
            #expect(report.notes.contains { $0.contains("deleted in the Spotify app; it is created again") })
            #expect(await writes(mirror).creates == 1)
            let second = try #require(await shards(mirror).first)
            #expect(second.id != first.id)
            #expect(second.entries.map(\.uri) == (await expected(mirror, excluding: [first.id, second.id])))
            #expect(report.personRemoved == 0, "a deleted playlist is not the person removing every song")
        }
    }

    @Test func aNewNameRenamesTheShards() async throws {
        try await TestMirror.with(.sqlite, library: Self.library(tracks: 20, playlists: [Array(0..<20)])) { mirror in
            try await unify(mirror)
            let report = try await unify(mirror) { $0.name = "Everything" }
            #expect(report.notes.contains("renamed from All my tracks to Everything"))
            #expect(await shards(mirror, name: "Everything").count == 1)
        }
    }

    // MARK: Faults

    @Test func aFaultMidUpdateThenUndoAndRerunConverge() async throws {
        try await TestMirror.with(.sqlite, library: Self.library(tracks: 500, playlists: [Array(0..<200), Array(150..<300)])) {
            mirror in
            try await unify(mirror)
            let shard = try #require(await shards(mirror).first)
            try await edit(
                mirror,
                [
                    "op": "add", "playlist": "upl0000000000000000000",
                    "uris": .array((300..<450).map { .string(Self.trackURI($0)) }),
                ])
            try await edit(mirror, ["op": "remove", "playlist": "upl0000000000000000000", "uris": [.string(Self.trackURI(1))]])
            // Each write is applied and then answered with a 500.
            _ = try await mirror.state.updateKnobs(["fault_after_write_rate": 1])
            await #expect(throws: SpotifyError.self) { try await unify(mirror) }
            _ = try await mirror.state.updateKnobs(["fault_after_write_rate": 0])
            let journal = try #require(
                try await JournalRecord.query(on: mirror.database).filter(\.$kind == .unify).sort(\.$createdAt, .descending)
                    .first())
            #expect(journal.status == .applying, "no reply confirmed a write: the change stays open")

            // The next operation settles it first (finished), and undo restores the shard as it was before that
            // update; a re-run converges.
            _ = try await mirror.sync()
            let settled = try #require(try await JournalRecord.find(journal.requireID(), on: mirror.database))
            #expect(settled.status == .verified && settled.recovery != nil)
            let undone = try await JournalUndo(
                database: mirror.database, client: mirror.api.client(for: "demo"), user: try await mirror.user()
            )
            .undo(journalID: try journal.requireID(), force: true)
            #expect(undone.status == .verified)
            #expect(await mirror.state.uris(of: shard.id)?.count == 300)
            let rerun = try await unify(mirror)
            #expect(rerun.personRemoved == 0, "neither the fault nor the undo is mistaken for the person's edits")
            #expect(await mirror.state.uris(of: shard.id) == (await expected(mirror, excluding: [shard.id])))
        }
    }

    // A signal that never comes fails the test instead of hanging the run.
    @Test(.timeLimit(.minutes(2))) func aKilledUnifyProcessConvergesOnTheNextRun() async throws {
        try await TestMirror.with(
            .sqlite, library: Self.library(tracks: 3_000, playlists: [Array(0..<1_500), Array(1_000..<3_000)])
        ) {
            mirror in
            _ = try await mirror.sync()
            _ = try await mirror.state.updateKnobs(["latency_ms": 60])
            let run = try ExecutableTests.Run(["unify", "--user", "demo"], environment: DedupeCLITests().environment(mirror))
            // Kill it once a few batches of 100 are in (of 30).
            await mirror.state.waitForRequests("POST /v1/playlists/{id}/items", count: 5)
            kill(run.process.processIdentifier, SIGKILL)
            _ = try await run.exitCode()
            _ = try await mirror.state.updateKnobs(["latency_ms": 0])
            let shard = try #require(await shards(mirror).first)
            let partial = await mirror.state.uris(of: shard.id)?.count ?? 0
            #expect(partial > 0 && partial < 3_000, "killed mid-update (\(partial) of 3000 written)")
            _ = try await LockRecord.query(on: mirror.database).set(\.$expiresAt, to: 0).update()
            let report = try await unify(mirror)
            #expect(report.shards.count == 1, "the shard created by the killed run is reused, not created twice")
            #expect(await mirror.state.uris(of: shard.id) == (await expected(mirror, excluding: [shard.id])))
        }
    }
}

extension UnifiedTests {
    /// Spotify made the playlist but the reply was lost, and the person renamed it in the app: the next operation
    /// finds it by the marker in its description and keeps it, under the person's name; none is made twice.
    @Test(.timeLimit(.minutes(2)), arguments: StoreKind.available)
    func aShardWhoseCreationReplyWasLostIsFoundByItsMarkerEvenRenamed(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind, library: Self.library(tracks: 30, playlists: [Array(0..<20)])) { mirror in
            _ = try await mirror.sync()
            let service = try await service(mirror)
            _ = try await mirror.state.updateKnobs(["withhold_reply_of_write": 1])
            let update = Task { try await service.update() }
            await mirror.state.waitForWithheldReply()
            await mirror.state.releaseWithheldReplies()
            await #expect(throws: SpotifyError.self) { _ = try await update.value }
            _ = try await mirror.state.updateKnobs(["withhold_reply_of_write": .null])
            let made = try #require(await mirror.state.library().playlists.first { $0.name == "All my tracks" })
            #expect(made.description.hasPrefix("Every song of your playlists, one copy each. Kept by Playkeeper \u{00B7} "))
            try await edit(mirror, ["op": "rename", "playlist": .string(made.id), "name": "My everything"])

            _ = try await unify(mirror)
            let playlists = await mirror.state.library().playlists
            #expect(playlists.count == 2, "the source and one unified playlist: \(playlists.map(\.name))")
            #expect(try await UnifiedService.managedIDs(of: mirror.user(), on: mirror.database) == [made.id])
            #expect(playlists.first { $0.id == made.id }?.name == "My everything", "the person's name stays")
            #expect(await mirror.state.uris(of: made.id)?.count == 20)
        }
    }
}
