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

@Suite(.serialized)
struct SyncTests {
    @Test(arguments: StoreKind.available)
    func aFirstSyncMirrorsEverythingWithinTheCallBound(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind, library: LibraryGenerator(seed: 7, playlists: 6, items: 160).generate()) { mirror in
            await mirror.state.resetRequestLog()
            let report = try await mirror.sync()
            try await mirror.expectStoreEqualsEmulator()
            let reads = await mirror.reads()
            let bound = await mirror.firstSyncBound()
            #expect(reads <= bound, "\(reads) reads, bound \(bound)")
            #expect(report.apiCalls == reads)
            #expect(report.retries == 0 && report.rereads == 0)
            #expect(report.playlistsChanged == (await mirror.readablePlaylists()).count)
            #expect(report.playlistsMetadataOnly == 2, "the followed playlist and the editorial one")
            #expect(await mirror.state.count("GET /v1/me") == 0, "the identity comes from login")

            let followed = try #require(
                try await mirror.playlist((await mirror.state.library()).playlists.first { $0.name == "Friend's Favourites" }!.id)
            )
            #expect(!followed.canReadItems && !followed.canEdit)
            #expect(await mirror.state.requestLog().requests.allSatisfy { $0.status < 400 }, "no 403 was needed to tell")
            let run = try #require(try await SyncRunRecord.query(on: mirror.database).first())
            #expect(run.status == .succeeded && run.apiCalls == reads && run.finishedAt != nil)
        }
    }

    @Test(arguments: StoreKind.available)
    func anUnchangedSyncReadsOnlyTheListAndTheFirstLikedPage(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind) { mirror in
            _ = try await mirror.sync()
            await mirror.state.resetRequestLog()
            let report = try await mirror.sync()
            #expect(await mirror.reads() == (await mirror.listingReads()) + 1)
            #expect(report.playlistsChanged == 0)
            #expect(report.entriesWritten == 0)
            #expect(!report.likedChanged)
        }
    }

    /// Makes an edit in the emulator the first time a request's URL contains `trigger`, as a person would in the
    /// app while the sync reads.
    struct EditingTransport: SpotifyTransport {
        let inner: any SpotifyTransport
        let state: EmulatorState
        let trigger: String
        let edit: JSONValue
        let done = Ledger()

        func send(_ request: SpotifyHTTPRequest) async throws -> SpotifyHTTPResponse {
            if request.url.absoluteString.contains(trigger), done.claim() { _ = try await state.applyAppEdit(edit) }
            return try await inner.send(request)
        }

        final class Ledger: @unchecked Sendable {
            private let lock = NSLock()
            private var claimed = false
            func claim() -> Bool {
                lock.withLock {
                    defer { claimed = true }
                    return !claimed
                }
            }
        }
    }

    /// A sync through `EditingTransport`.
    func syncWhileEditing(_ mirror: TestMirror, trigger: String, edit: JSONValue) async throws -> SyncReport {
        let api = SpotifyAPI(
            configuration: mirror.api.configuration, tokenStore: mirror.context.tokens,
            transport: EditingTransport(inner: mirror.harness.transport, state: mirror.state, trigger: trigger, edit: edit),
            budget: RequestBudget(limit: 100_000), retryPolicy: RetryPolicy(maxJitter: 0))
        return try await mirror.actions(api: api).sync(wait: 30, concurrency: 4)
    }

    @Test(arguments: StoreKind.available)
    func aPlaylistThatChangesWhileItIsReadIsReadAgain(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind, library: LibraryGenerator(seed: 7, playlists: 6, items: 160).generate()) { mirror in
            let target = try #require(await mirror.readablePlaylists().first { $0.entries.count > 150 })
            let song = try #require(await mirror.state.library().tracks.first { !$0.unavailable })
            await mirror.state.resetRequestLog()
            let report = try await syncWhileEditing(
                mirror, trigger: "/playlists/\(target.id)/items?",
                edit: ["op": "add", "playlist": .string(target.id), "uris": [.string(song.uri)], "position": 0])
            #expect(report.rereads == 1, "the moved snapshot was noticed once, and the playlist read again")
            #expect(report.failures.isEmpty)
            try await mirror.expectStoreEqualsEmulator()
            #expect(try await mirror.storedURIs(target.id).first == song.uri, "the store holds the version after the edit")
            let versions = try await PlaylistVersionRecord.query(on: mirror.database)
                .filter(\.$playlist.$id == (try #require(try await mirror.playlist(target.id))).requireID()).all()
            #expect(versions.count == 1, "only the consistent read was written")
        }
    }

    @Test(arguments: StoreKind.available)
    func aPlaylistListThatChangesWhileItIsReadIsReadAgainPageByPage(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind, library: LibraryGenerator(seed: 7, playlists: 120, items: 3).generate()) { mirror in
            await mirror.state.resetRequestLog()
            let report = try await syncWhileEditing(
                mirror, trigger: "/me/playlists?limit=50&offset=100", edit: ["op": "create", "name": "Made meanwhile"])
            #expect(report.rereads == 1, "the list's length moved while its pages were read at once")
            #expect(report.failures.isEmpty)
            try await mirror.expectStoreEqualsEmulator()
            let listed = try #require(await mirror.state.dump()["follows"]?["demo"]?.arrayValue)
            #expect(report.playlistsListed == listed.count, "the new playlist is listed, nothing twice")
            let stored = try await PlaylistRecord.query(on: mirror.database).filter(\.$goneAt == nil)
                .filter(\.$isLiked == false).count()
            #expect(stored == listed.count)
            let pages = (listed.count + 49) / 50
            #expect(await mirror.state.count("GET /v1/me/playlists") == pages + (listed.count - 1 + 49) / 50)
        }
    }

    /// While batching, updates wait for each other: for `stopBatching`, or until `batchEntries` are pending.
    @Test(.timeLimit(.minutes(1)), arguments: StoreKind.available)
    func whileBatchingTheWriterCommitsSeveralPlaylistsInOneTransaction(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind) { mirror in
            _ = try await mirror.sync()
            let playlists = try await PlaylistRecord.query(on: mirror.database).filter(\.$isLiked == false).all()
            #expect(playlists.count >= 3)
            func update(_ index: Int, entries: Int) throws -> MirrorWriter.PlaylistUpdate {
                MirrorWriter.PlaylistUpdate(
                    playlistID: try playlists[index].requireID(), snapshotID: "batched-\(index)",
                    entries: (0..<entries).map { EntryRow(entry: nil, position: $0) }, raw: nil, canEdit: true,
                    syncedAt: Date())
            }
            // The deadline never passes here: only `stopBatching` or the entry count start a transaction.
            let writer = MirrorWriter(database: mirror.database, batchWait: .seconds(3600))
            await writer.startBatching()
            async let first = writer.replaceEntries(try update(0, entries: 3))
            async let second = writer.replaceEntries(try update(1, entries: 4))
            await writer.waitUntilPending(2)
            #expect(await writer.transactions == 0, "small updates wait for more")
            await writer.stopBatching()
            _ = try await (first, second)
            #expect(await writer.transactions == 1)

            await writer.startBatching()
            async let third = writer.replaceEntries(try update(2, entries: writer.batchEntries / 2))
            async let fourth = writer.replaceEntries(try update(1, entries: writer.batchEntries / 2))
            _ = try await (third, fourth)
            #expect(await writer.transactions == 2, "enough entries start a transaction without being told")
            #expect(try await mirror.storedURIs(playlists[1].spotifyID).count == writer.batchEntries / 2)
        }
    }

    @Test(arguments: StoreKind.available)
    func anUnchangedSyncKeepsEachPlaylistsFullRawJSON(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind) { mirror in
            _ = try await mirror.sync()
            func raws() async throws -> [String: String] {
                var raws: [String: String] = [:]
                for record in try await PlaylistRecord.query(on: mirror.database).filter(\.$isLiked == false).all() {
                    raws[record.spotifyID] = record.raw
                }
                return raws
            }
            let before = try await raws()
            for playlist in await mirror.readablePlaylists() {
                let raw = try JSONValue(parsing: try #require(before[playlist.id]))
                #expect(raw["snapshot_id"]?.stringValue == (await mirror.state.snapshotID(of: playlist.id)))
                #expect(raw["items"]?["items"] == nil, "the entries are rows, not part of the playlist's raw JSON")
            }
            let report = try await mirror.sync()
            #expect(report.playlistsChanged == 0)
            #expect(try await raws() == before, "the listing's shorter object does not replace the full one")
        }
    }

    @Test func assigningTheSameValuesLeavesARowUnwritten() async throws {
        try await TestMirror.with(.sqlite) { mirror in
            _ = try await mirror.sync()
            let record = try #require(try await PlaylistRecord.query(on: mirror.database).filter(\.$isLiked == false).first())
            record.assign(\.name, record.name)
            record.assign(\.goneAt, nil)
            record.assign(\.listPosition, record.listPosition)
            #expect(!record.hasChanges, "nothing to write")
            record.assign(\.name, record.name + " (renamed)")
            #expect(record.hasChanges)
        }
    }

    @Test(arguments: StoreKind.available)
    func aChangedPlaylistAddsOnlyItsOwnReadsAndAVersion(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind, library: LibraryGenerator(seed: 8, playlists: 5, items: 150).generate()) { mirror in
            _ = try await mirror.sync()
            let target = try #require(await mirror.readablePlaylists().first { $0.owner == "demo" })
            let song = try #require(await mirror.state.library().tracks.first { !$0.unavailable }).uri
            _ = try await mirror.state.applyAppEdit([
                "op": "add", "playlist": .string(target.id), "uris": [.string(song), .string(song)],
            ])
            await mirror.state.resetRequestLog()
            let report = try await mirror.sync()
            let n = target.entries.count + 2
            let playlistReads = n <= 100 ? 1 : 1 + ceilDiv(n - 100, 50) + 1
            #expect(await mirror.reads() == (await mirror.listingReads()) + 1 + playlistReads)
            #expect(report.playlistsChanged == 1)
            try await mirror.expectStoreEqualsEmulator()

            let record = try #require(try await mirror.playlist(target.id))
            let versions = try await PlaylistVersionRecord.query(on: mirror.database).filter(
                \.$playlist.$id == record.requireID()
            )
            .sort(\.$seenAt, .descending).all()
            #expect(versions.count == 2)
            #expect(try JSONValue(parsing: versions[0].added) == .array([.string(song), .string(song)]))
            #expect(try JSONValue(parsing: versions[0].removed) == [])
        }
    }

    @Test(arguments: StoreKind.available)
    func likedSongsAreReadNewestFirstAndUnlikesNoticed(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind) { mirror in
            _ = try await mirror.sync()
            let library = await mirror.state.library()
            let fresh = try #require(
                library.tracks.first { !(library.liked["demo"] ?? []).map(\.uri).contains($0.uri) && !$0.unavailable })
            _ = try await mirror.state.applyAppEdit(["op": "like", "uris": [.string(fresh.uri)]])
            await mirror.state.resetRequestLog()
            var report = try await mirror.sync()
            #expect(report.likedChanged)
            #expect(await mirror.state.count("GET /v1/me/tracks") == 1, "the new song and known ones are on the first page")
            try await mirror.expectStoreEqualsEmulator()

            let old = try #require(library.liked["demo"]?.last?.uri)
            _ = try await mirror.state.applyAppEdit(["op": "unlike", "uris": [.string(old)]])
            report = try await mirror.sync()
            #expect(report.likedChanged, "total disagreed, so the whole list was read")
            try await mirror.expectStoreEqualsEmulator()
        }
    }

    @Test(arguments: StoreKind.available)
    func aDeletedPlaylistIsMarkedGoneAndKeepsItsHistory(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind) { mirror in
            _ = try await mirror.sync()
            let target = try #require(await mirror.readablePlaylists().first { $0.owner == "demo" })
            _ = try await mirror.state.applyAppEdit(["op": "unfollow", "playlist": .string(target.id)])
            let report = try await mirror.sync()
            #expect(report.playlistsGone == 1)
            let record = try #require(try await mirror.playlist(target.id))
            #expect(record.goneAt != nil)
            #expect(try await mirror.storedURIs(target.id).count == target.entries.count, "entries and history are kept")
        }
    }

    @Test(arguments: StoreKind.available)
    func entriesOfAllFourKindsSurviveWithTheirRawJSON(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind, library: LibraryGenerator(seed: 7, playlists: 6, items: 120).generate()) { mirror in
            _ = try await mirror.sync()
            let entries = try await EntryRecord.query(on: mirror.database).all()
            let kinds = Set(entries.map(\.kind))
            #expect(kinds == ["track", "episode", "local", "unavailable"])
            let local = try #require(entries.first { $0.kind == "local" })
            #expect(local.isLocal && local.uri?.hasPrefix("spotify:local:") == true)
            let unavailable = try #require(entries.first { $0.kind == "unavailable" })
            #expect(unavailable.uri == nil)
            let unavailableRaw = try JSONValue(parsing: unavailable.raw)
            // A playlist entry says `item: null`; a Liked Songs entry says `track: null`.
            #expect(unavailableRaw["item"]?.isNull == true || unavailableRaw["track"]?.isNull == true, "\(unavailable.raw)")
            let episode = try #require(entries.first { $0.kind == "episode" })
            #expect(try JSONValue(parsing: episode.raw)["added_at"] != nil, "the entry's own raw JSON")
            let episodeItem = try #require(try await CatalogItemRecord.find(episode.uri, on: mirror.database))
            #expect(try JSONValue(parsing: episodeItem.raw)["show"]?["name"] != nil, "the item's raw JSON is the real episode")
            #expect(entries.contains { $0.isPlayable == false })
            #expect(entries.contains { $0.linkedFromURI != nil })
            let catalogued = try await CatalogItemRecord.query(on: mirror.database).all()
            #expect(catalogued.contains { $0.isrc != nil && $0.artists?.isEmpty == false })
            #expect(catalogued.allSatisfy { (try? JSONValue(parsing: $0.raw)) != nil })
        }
    }
}
