import App
import EmulatorTestSupport
import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import PropertyBased
import SpotifyEmulator
import SpotifyWebAPI
import Store
import Testing

@Suite(.serialized)
struct DedupeTests {
    /// A library of one playlist built from a seed: duplicates, same-recording twins, local files and
    /// unavailable entries, in random order.
    static func library(seed: UInt64, length: Int) -> EmulatorLibrary {
        var random = SeededRandom(seed: seed)
        let artist = EmulatorLibrary.Artist(id: "artist0000000000000001", name: "The Band")
        let album = EmulatorLibrary.Album(id: "album00000000000000001", name: "Record", type: "album", releaseDate: "2020-01-01")
        var tracks = (0..<12).map { index in
            EmulatorLibrary.Track(
                id: String(format: "trk%019d", index), name: "Song \(index)", artists: [artist], album: album,
                durationMS: 200_000 + index * 10_000,
                isrc: String(format: "QZ00000%05d", index))
        }
        tracks[11].unavailable = true
        // A twin of song 0: the same recording under another URI.
        var twin = tracks[0]
        twin.id = "twn0000000000000000000"
        twin.album = .init(id: "album00000000000000002", name: "Single", type: "single", releaseDate: "2020-01-01")
        tracks.append(twin)
        let pool = tracks.map(\.uri) + ["spotify:local:Band:Tape:Demo:120"]
        let base = Date(timeIntervalSince1970: 1_750_000_000)
        let entries = (0..<length).map { index in
            EmulatorLibrary.Entry(
                uri: pool[Int(random.next() % UInt64(pool.count))], addedAt: base.addingTimeInterval(Double(index)),
                addedBy: "demo")
        }
        return EmulatorLibrary(
            users: [.init(id: "demo", displayName: "Demo")], tracks: tracks,
            playlists: [.init(id: "p\(seed)", owner: "demo", name: "Random \(seed)", entries: entries)],
            follows: ["demo": ["p\(seed)"]])
    }

    func service(_ mirror: TestMirror) async throws -> DedupeService {
        DedupeService(database: mirror.database, client: mirror.api.client(for: "demo"), user: try await mirror.user())
    }

    func writes(_ mirror: TestMirror) async -> Int {
        await mirror.state.requestLog().requests.filter {
            $0.endpoint.hasSuffix("/playlists/{id}/items") && !$0.endpoint.hasPrefix("GET")
        }.count
    }

    @Test func propertiesOfDedupeAndUndoOnRandomPlaylists() async throws {
        try await TestMirror.with(.sqlite, library: Self.library(seed: 0, length: 5)) { mirror in
            await propertyCheck(count: 25, input: Gen.int(in: 1...1_000_000), Gen.int(in: 0...120), Gen.bool) {
                seed, length, byRecording in
                let library = Self.library(seed: UInt64(seed), length: length)
                await mirror.state.replaceLibrary(library)
                _ = try await mirror.sync()
                let id = library.playlists[0].id
                let before = library.playlists[0].entries
                let service = try await service(mirror)
                let playlist = try #require(try await mirror.playlist(id))
                let preview = try await service.preview(playlist, level: byRecording ? .recording : .exact, keep: .first)
                await mirror.state.resetRequestLog()
                let journal = try await service.apply(planID: try preview.record.requireID())
                #expect(journal.status == .verified)
                #expect(await writes(mirror) == preview.plan.writeCount, "the writes the plan counted")

                let after = try #require(await mirror.state.library().playlists.first { $0.id == id }?.entries)
                let withdrawn = Set(library.tracks.filter(\.unavailable).map(\.uri))
                #expect(
                    after.map(\.uri).map { withdrawn.contains($0) ? nil : $0 } == preview.plan.expected,
                    "kept entries keep their order")
                let songs = { (entries: [EmulatorLibrary.Entry]) in
                    Set(
                        entries.map(\.uri).map { uri in byRecording ? (library.tracks.first { $0.uri == uri }?.isrc ?? uri) : uri
                        })
                }
                #expect(songs(after) == songs(before), "the distinct songs are the same")
                let grouped = Set(preview.plan.groups.flatMap { [$0.kept] + $0.removed }.compactMap { before[$0].uri })
                let untouchedBefore = before.filter { !grouped.contains($0.uri) }
                let untouchedAfter = after.filter { !grouped.contains($0.uri) }
                if preview.plan.rebuilds {
                    // A rebuild (chosen only when it touches fewer entries) re-adds everything, and says so.
                    #expect(untouchedAfter.map(\.uri) == untouchedBefore.map(\.uri))
                    #expect(preview.plan.readded.count == preview.plan.expected.count)
                } else {
                    #expect(
                        untouchedAfter == untouchedBefore, "no entry outside a duplicate group was touched, added_at included")
                }

                let undo = try await service.undo(journalID: try journal.requireID())
                #expect(undo.status == .verified)
                #expect(await mirror.state.uris(of: id) == before.map(\.uri), "undo restores the exact original order")
            }
        }
    }

    @Test(arguments: StoreKind.available)
    func anEditInTheAppBetweenPreviewAndApplyIsNeverOverwritten(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind, library: Self.library(seed: 42, length: 60)) { mirror in
            _ = try await mirror.sync()
            let service = try await service(mirror)
            let id = "p42"
            let preview = try await service.preview(try #require(try await mirror.playlist(id)), level: .exact, keep: .first)
            #expect(!preview.plan.groups.isEmpty)
            _ = try await mirror.state.applyAppEdit(["op": "move", "playlist": .string(id), "from": 0, "to": 5])
            let edited = await mirror.state.uris(of: id)
            await mirror.state.resetRequestLog()
            do {
                _ = try await service.apply(planID: try preview.record.requireID())
                Issue.record("a stale plan was applied")
            } catch let error as DedupeError {
                guard case .stale = error else {
                    Issue.record("got \(error)")
                    return
                }
            }
            #expect(await writes(mirror) == 0)
            #expect(await mirror.state.uris(of: id) == edited)
            let journal = try #require(try await JournalRecord.query(on: mirror.database).first())
            #expect(journal.status == .abandoned, "the attempt is journaled too")
        }
    }

    @Test(.timeLimit(.minutes(2)), arguments: StoreKind.available)
    func aLostReplyIsSettledByReReadingInTheSameRun(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind, library: Self.library(seed: 7, length: 80), retryPolicy: RetryPolicy(maxServerRetries: 0))
        { mirror in
            _ = try await mirror.sync()
            let service = try await service(mirror)
            let preview = try await service.preview(try #require(try await mirror.playlist("p7")), level: .exact, keep: .first)
            #expect(preview.plan.operations.count >= 2)
            // The second write lands, and its reply is lost (a 502 instead of 201).
            _ = try await mirror.state.updateKnobs(["withhold_reply_of_write": 2])
            let planID = try preview.record.requireID()
            let apply = Task { try await service.apply(planID: planID) }
            await mirror.state.waitForWithheldReply()
            await mirror.state.releaseWithheldReplies()
            let journal = try await apply.value
            #expect(journal.status == .verified)
            #expect(journal.recovery?.contains("interrupted after write 2 of") == true, "\(journal.recovery ?? "")")
            #expect(journal.recovery?.contains("by the same run, after the error 502") == true)
            #expect(await mirror.state.uris(of: "p7") == preview.plan.expected.compactMap { $0 }, "not sent twice")
        }
    }

    @Test(arguments: StoreKind.available)
    func lostRepliesLeaveTheChangeOpenAndTheNextOperationFinishesIt(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind, library: Self.library(seed: 7, length: 80), retryPolicy: RetryPolicy(maxServerRetries: 0))
        { mirror in
            _ = try await mirror.sync()
            let service = try await service(mirror)
            let original = await mirror.state.uris(of: "p7")
            let preview = try await service.preview(try #require(try await mirror.playlist("p7")), level: .exact, keep: .first)
            #expect(!preview.plan.rebuilds && preview.plan.operations.count >= 2)
            // Every write is applied, then answered with a 502: re-reading shows the progress, but no reply ever
            // confirms a write, so the change stays open rather than being given up.
            _ = try await mirror.state.updateKnobs(["fault_after_write_rate": 1])
            await #expect(throws: SpotifyError.self) { _ = try await service.apply(planID: try preview.record.requireID()) }
            _ = try await mirror.state.updateKnobs(["fault_after_write_rate": 0])
            var journal = try #require(try await JournalRecord.query(on: mirror.database).first())
            #expect(journal.status == .applying)

            // The next operation through the entry point re-reads the playlist and finishes the change first.
            _ = try await mirror.sync()
            journal = try #require(try await JournalRecord.find(journal.requireID(), on: mirror.database))
            #expect(journal.status == .verified)
            #expect(journal.recovery?.contains("finished (by a test") == true, "\(journal.recovery ?? "")")
            let now = try #require(await mirror.state.uris(of: "p7"))
            #expect(Set(now) == Set(original ?? []) && now == preview.plan.expected.compactMap { $0 })

            // And it can still be undone.
            let undo = try await service.undo(journalID: try journal.requireID())
            #expect(undo.status == .verified)
            #expect(await mirror.state.uris(of: "p7") == original, "no song is lost")
        }
    }

    @Test(arguments: StoreKind.available)
    func likedSongsTwinsAreRemovedAndReSavedByUndo(_ kind: StoreKind) async throws {
        var library = Self.library(seed: 3, length: 10)
        let base = Date(timeIntervalSince1970: 1_760_000_000)
        library.liked["demo"] = [
            .init(uri: "spotify:track:twn0000000000000000000", addedAt: base),
            .init(uri: library.tracks[3].uri, addedAt: base - 10),
            .init(uri: library.tracks[0].uri, addedAt: base - 20),
        ]
        try await TestMirror.with(kind, library: library) { mirror in
            _ = try await mirror.sync()
            let service = try await service(mirror)
            let liked = try #require(try await mirror.playlist(PlaylistRecord.likedID))
            let preview = try await service.preview(liked, level: .recording, keep: .first)
            #expect(preview.plan.groups.count == 1)
            await mirror.state.resetRequestLog()
            let journal = try await service.apply(planID: try preview.record.requireID())
            #expect(journal.status == .verified)
            #expect(await mirror.state.count("DELETE /v1/me/library") == 1)
            #expect(await mirror.state.likedURIs(of: "demo") == ["spotify:track:twn0000000000000000000", library.tracks[3].uri])
            _ = try await service.undo(journalID: try journal.requireID())
            #expect(
                Set(await mirror.state.likedURIs(of: "demo")) == Set(library.liked["demo"]!.map(\.uri)),
                "which songs are saved is restored")
        }
    }

    @Test func followedPlaylistsCannotBeChanged() async throws {
        try await TestMirror.with(.sqlite) { mirror in
            _ = try await mirror.sync()
            let followed = try #require(
                try await PlaylistRecord.query(on: mirror.database).filter(\.$name == "Friend's Favourites").first())
            let service = try await service(mirror)
            let preview = try await service.preview(followed, level: .exact, keep: .first)
            await #expect(throws: DedupeError.self) { _ = try await service.apply(planID: try preview.record.requireID()) }
        }
    }
}

extension DedupeTests {
    /// Looking at a preview again stores nothing new: one plan per playlist version and rules.
    @Test(arguments: StoreKind.available)
    func aPreviewLookedAtAgainReusesItsPlan(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind, library: Self.library(seed: 7, length: 60)) { mirror in
            _ = try await mirror.sync()
            let service = try await service(mirror)
            let playlist = try #require(try await mirror.playlist("p7"))
            let first = try await service.preview(playlist, level: .exact, keep: .first)
            let again = try await service.preview(playlist, level: .exact, keep: .first)
            #expect(again.record.id == first.record.id)
            // Other rules are another plan; so is a new version of the playlist.
            let other = try await service.preview(playlist, level: .exact, keep: .newest)
            #expect(other.record.id != first.record.id)
            #expect(try await PlanRecord.query(on: mirror.database).count() == 2)
            _ = try await mirror.state.applyAppEdit(["op": "move", "playlist": "p7", "from": 0, "to": 5])
            _ = try await mirror.sync()
            let changed = try await service.preview(try #require(try await mirror.playlist("p7")), level: .exact, keep: .first)
            #expect(changed.record.id != first.record.id)
            #expect(try await PlanRecord.query(on: mirror.database).count() == 3)
        }
    }
}
