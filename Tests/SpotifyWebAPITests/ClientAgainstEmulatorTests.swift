import EmulatorTestSupport
import Foundation
import PlaykeeperJSON
import SpotifyEmulator
import SpotifyWebAPI
import Testing

/// The client against a real emulator on a port the OS picked.
@Suite(.serialized)
struct ClientAgainstEmulatorTests {
    /// A small library whose contents each test knows: `demo` owns "Big" (130 entries) and "Dupes".
    static func library() -> EmulatorLibrary {
        let artist = EmulatorLibrary.Artist(id: "artist0000000000000001", name: "The Band")
        let album = EmulatorLibrary.Album(id: "album00000000000000001", name: "Record", type: "album", releaseDate: "2020-01-01")
        let tracks = (0..<300).map { index in
            EmulatorLibrary.Track(
                id: String(format: "track%017d", index), name: "Song \(index)", artists: [artist], album: album,
                durationMS: 200_000, isrc: String(format: "QZ0000%06d", index))
        }
        let base = Date(timeIntervalSince1970: 1_750_000_000)
        func entries(_ indices: [Int], by user: String = "demo") -> [EmulatorLibrary.Entry] {
            indices.enumerated().map {
                .init(uri: tracks[$0.element].uri, addedAt: base.addingTimeInterval(Double($0.offset)), addedBy: user)
            }
        }
        return EmulatorLibrary(
            users: [.init(id: "demo", displayName: "Demo"), .init(id: "friend", displayName: "Friend")],
            tracks: tracks,
            playlists: [
                .init(id: "big", owner: "demo", name: "Big", entries: entries(Array(0..<130))),
                .init(id: "dupes", owner: "demo", name: "Dupes", entries: entries([1, 2, 1, 3, 1])),
                .init(id: "theirs", owner: "friend", name: "Theirs", isPublic: true, entries: entries([4, 5], by: "friend")),
            ],
            follows: ["demo": ["big", "dupes", "theirs"], "friend": ["theirs"]],
            liked: ["demo": (0..<75).map { .init(uri: tracks[$0].uri, addedAt: base.addingTimeInterval(Double(-$0))) }]
        )
    }

    @Test(arguments: [nil, "playkeeper-demo-secret"])
    func bothLoginFlowsReachTheWebAPI(secret: String?) async throws {
        let harness = try await EmulatorHarness.start(library: Self.library())
        let (api, _) = try await harness.loggedInAPI(secret: secret)
        let me = try await api.client(for: "demo").currentUser()
        #expect(me.id == "demo")
        #expect(me.accountID == "acct-demo")
        await harness.shutdown()
    }

    @Test func pkceRefreshRotatesAndTheOldRefreshTokenDies() async throws {
        let harness = try await EmulatorHarness.start(library: Self.library())
        let (api, store) = try await harness.loggedInAPI()
        let before = try #require(await store.token(for: "demo"))
        let after = try await api.tokens.refreshIfExpiring(for: "demo", within: .infinity)
        #expect(after.refreshToken != before.refreshToken, "PKCE refresh tokens rotate")
        #expect(after.accessToken != before.accessToken)
        #expect(await store.token(for: "demo") == after, "the rotated token is stored before use")
        // The old refresh token no longer works.
        await #expect(throws: SpotifyError.self) { _ = try await api.accounts.refresh(refreshToken: before.refreshToken) }
        _ = try await api.client(for: "demo").currentUser()
        await harness.shutdown()
    }

    @Test func confidentialRefreshKeepsTheOldRefreshToken() async throws {
        let harness = try await EmulatorHarness.start(library: Self.library())
        let (api, store) = try await harness.loggedInAPI(secret: "playkeeper-demo-secret")
        let before = try #require(await store.token(for: "demo"))
        let after = try await api.tokens.refreshIfExpiring(for: "demo", within: .infinity)
        #expect(after.refreshToken == before.refreshToken)
        #expect(after.accessToken != before.accessToken)
        #expect(after.authorizedAt == before.authorizedAt, "refreshing does not extend the 6-month login")
        await harness.shutdown()
    }

    @Test func a401RefreshesOnceAndRetriesOnce() async throws {
        let harness = try await EmulatorHarness.start(library: Self.library())
        let (api, _) = try await harness.loggedInAPI()
        await harness.state.resetRequestLog()
        await harness.state.expireAccessTokens()
        let me = try await api.client(for: "demo").currentUser()
        #expect(me.id == "demo")
        let log = await harness.state.requestLog().requests.map { "\($0.endpoint) \($0.status)" }
        #expect(log == ["GET /v1/me 401", "POST /api/token 200", "GET /v1/me 200"])
        await harness.shutdown()
    }

    @Test func concurrentCallsShareOneRefresh() async throws {
        let clock = TestClock()
        let harness = try await EmulatorHarness.start(library: Self.library())
        let (api, _) = try await harness.loggedInAPI(clock: clock)
        await harness.state.resetRequestLog()
        clock.advance(3_500)  // within the 5-minute leeway: every caller wants a refresh
        let client = api.client(for: "demo")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 { group.addTask { _ = try await client.currentUser() } }
            try await group.waitForAll()
        }
        #expect(await harness.state.count("POST /api/token") == 1)
        #expect(await harness.state.count("GET /v1/me") == 12)
        await harness.shutdown()
    }

    /// Counts the reads of the stored token.
    actor CountingStore: TokenStore {
        let inner = InMemoryTokenStore()
        private(set) var reads = 0

        func token(for user: String) async throws -> SpotifyToken? {
            reads += 1
            return await inner.token(for: user)
        }

        func save(_ token: SpotifyToken, for user: String) async throws { await inner.save(token, for: user) }

        nonisolated func withRefreshLock<T: Sendable>(for user: String, _ body: @Sendable () async throws -> T) async throws -> T
        {
            try await body()
        }
    }

    @Test func theStoredTokenIsReadOnceAMinuteNotForEveryRequest() async throws {
        let clock = TestClock()
        let harness = try await EmulatorHarness.start(library: Self.library())
        let configuration = try harness.configuration()
        let store = CountingStore()
        try await store.save(try await harness.login(configuration, now: clock.now), for: "demo")
        let api = SpotifyAPI(
            configuration: configuration, tokenStore: store, transport: harness.transport,
            budget: RequestBudget(limit: 10_000, clock: clock), retryPolicy: RetryPolicy(maxJitter: 0), clock: clock)
        let client = api.client(for: "demo")
        for _ in 0..<20 { _ = try await client.currentUser() }
        #expect(await store.reads == 1)

        // Another process refreshes the token: this one sees it once the minute has passed.
        let old = try #require(await store.inner.token(for: "demo"))
        let refreshed = try await api.accounts.refresh(refreshToken: old.refreshToken)
        await store.inner.save(
            SpotifyToken(
                accessToken: refreshed.accessToken, refreshToken: refreshed.refreshToken ?? old.refreshToken,
                expiresAt: clock.now.addingTimeInterval(3_600), scope: old.scope, authorizedAt: old.authorizedAt),
            for: "demo")
        _ = try await client.currentUser()
        #expect(await store.reads == 1)
        clock.advance(61)
        await harness.state.resetRequestLog()
        _ = try await client.currentUser()
        #expect(await store.reads == 2)
        #expect(await harness.state.count("POST /api/token") == 0, "the other process's token is used as it is")
        #expect(await harness.state.requestLog().requests.allSatisfy { $0.status == 200 })
        await harness.shutdown()
    }

    @Test func aRefreshTokenDyingMidRunAsksForLoginAgain() async throws {
        let harness = try await EmulatorHarness.start(library: Self.library())
        let (api, _) = try await harness.loggedInAPI()
        let client = api.client(for: "demo")
        var pages = client.playlistItems("big").makeAsyncIterator()
        _ = try await pages.next()
        await harness.state.revokeTokens(user: "demo")
        do {
            _ = try await pages.next()
            Issue.record("the read went on after revocation")
        } catch SpotifyError.reauthorizationRequired(let user, _) {
            #expect(user == "demo")
        }
        await harness.shutdown()
    }

    @Test func theSixMonthRefreshTokenExpires() async throws {
        let harness = try await EmulatorHarness.start(library: Self.library())
        let (api, _) = try await harness.loggedInAPI()
        await harness.state.advanceClock(seconds: 181 * 86_400)
        await harness.state.expireAccessTokens()
        await #expect(throws: SpotifyError.self) { _ = try await api.client(for: "demo").currentUser() }
        do {
            _ = try await api.client(for: "demo").currentUser()
        } catch let error as SpotifyError {
            guard case .reauthorizationRequired = error else {
                Issue.record("got \(error)")
                return
            }
        }
        await harness.shutdown()
    }

    @Test func pagingAcrossPagesAtLimit50() async throws {
        let harness = try await EmulatorHarness.start(library: Self.library())
        let (api, _) = try await harness.loggedInAPI()
        await harness.state.resetRequestLog()
        let entries = try await api.client(for: "demo").playlistItems("big").allItems()
        #expect(entries.count == 130)
        #expect(entries.compactMap { $0?.uri } == (await harness.state.uris(of: "big")))
        #expect(await harness.state.count("GET /v1/playlists/{id}/items") == 3)
        let liked = try await api.client(for: "demo").savedTracks().allItems()
        #expect(liked.count == 75)
        #expect(await harness.state.count("GET /v1/me/tracks") == 2)
        await harness.shutdown()
    }

    @Test func myPlaylistsIsPagedByOffsetNeverByTheRefusedNextLink() async throws {
        var library = Self.library()
        for index in 0..<60 {
            library.playlists.append(.init(id: "p\(index)", owner: "demo", name: "P\(index)"))
            library.follows["demo"]!.append("p\(index)")
        }
        let harness = try await EmulatorHarness.start(library: library)
        let (api, _) = try await harness.loggedInAPI()
        await harness.state.resetRequestLog()
        let playlists = try await api.client(for: "demo").myPlaylists().allItems()
        #expect(playlists.count == 63)
        let counts = await harness.state.requestLog().counts
        #expect(counts == ["GET /v1/me/playlists": 2])
        await harness.shutdown()
    }

    @Test func a429IsHonouredForItsRetryAfterOnTheInjectedClock() async throws {
        let harness = try await EmulatorHarness.start(library: Self.library())
        let state = harness.state
        let clock = TestClock(onSleep: { seconds in await state.advanceClock(seconds: seconds) })
        let (api, _) = try await harness.loggedInAPI(clock: clock, retryPolicy: RetryPolicy(maxJitter: 0.5))
        _ = try await state.updateKnobs(["rate_limit": 2])
        await state.resetRequestLog()
        let client = api.client(for: "demo")
        for _ in 0..<3 { _ = try await client.currentUser() }
        let requests = await state.requestLog().requests
        #expect(requests.map(\.status) == [200, 200, 429, 200])
        // The Retry-After the emulator sent: the rest of the 30 s window opened by the first request, in whole
        // seconds. Computed from the log, so a slow machine does not change what is expected.
        let retryAfter = max(1, (30 - requests[2].at.timeIntervalSince(requests[0].at)).rounded(.up))
        let waited = clock.totalSlept
        #expect(
            waited >= retryAfter && waited <= retryAfter + 0.5,
            "waited \(waited) s: Retry-After (\(retryAfter) s) plus at most 0.5 s of jitter")
        #expect(retryAfter >= 20, "the window was still young when the 429 came")
        await harness.shutdown()
    }

    @Test func rateLimitWaitsAreCapped() async throws {
        let harness = try await EmulatorHarness.start(library: Self.library())
        let clock = TestClock()  // the emulator's clock does not move: the limit never lifts
        let (api, _) = try await harness.loggedInAPI(clock: clock, retryPolicy: RetryPolicy(maxRateLimitWait: 100, maxJitter: 0))
        _ = try await harness.state.updateKnobs(["rate_limit": 1])
        _ = try await api.client(for: "demo").currentUser()
        do {
            _ = try await api.client(for: "demo").currentUser()
            Issue.record("no error")
        } catch SpotifyError.rateLimited(_, let retryAfter) {
            #expect(retryAfter != nil)
        }
        #expect(clock.totalSlept <= 100)
        await harness.shutdown()
    }

    @Test func quotaExceededIsToldApartAndNotRetried() async throws {
        let harness = try await EmulatorHarness.start(library: Self.library())
        let clock = TestClock()
        let (api, _) = try await harness.loggedInAPI(clock: clock)
        _ = try await harness.state.updateKnobs(["quota": 0])
        await harness.state.resetRequestLog()
        do {
            _ = try await api.client(for: "demo").currentUser()
            Issue.record("no error")
        } catch SpotifyError.quotaExceeded(let endpoint) {
            #expect(endpoint == "GET /v1/me")
        }
        #expect(await harness.state.count("GET /v1/me") == 1)
        #expect(clock.totalSlept == 0)
        let (cuts, observed) = (await api.budget.cuts, await api.budget.observed)
        #expect(cuts == 0 && observed == nil, "a quota is no rate signal: the budget learns nothing")
        await harness.shutdown()
    }

    @Test func readsAreRetriedOn5xxWithBoundedBackoff() async throws {
        let harness = try await EmulatorHarness.start(library: Self.library(), seed: 3)
        let clock = TestClock()
        let (api, _) = try await harness.loggedInAPI(clock: clock, retryPolicy: RetryPolicy(maxServerRetries: 2))
        _ = try await harness.state.updateKnobs(["fault_rate": 1])
        await harness.state.resetRequestLog()
        await #expect(throws: SpotifyError.self) { _ = try await api.client(for: "demo").currentUser() }
        #expect(await harness.state.count("GET /v1/me") == 3, "one try and two retries")
        #expect(clock.recordedSleeps.count == 2)
        #expect(clock.recordedSleeps[1] > clock.recordedSleeps[0] * 1.2, "the backoff grows")

        _ = try await harness.state.updateKnobs(["fault_rate": 0.4])
        let (patient, _) = try await harness.loggedInAPI(clock: clock, retryPolicy: RetryPolicy(maxServerRetries: 8))
        let entries = try await patient.client(for: "demo").playlistItems("big").allItems()
        #expect(entries.count == 130, "faults are retried away")
        let statuses = await harness.state.requestLog().requests.map(\.status)
        #expect(statuses.contains { $0 >= 500 })
        await harness.shutdown()
    }

    @Test func aWriteThatFailedWith5xxIsNotRepeated() async throws {
        let harness = try await EmulatorHarness.start(library: Self.library())
        let (api, _) = try await harness.loggedInAPI()
        _ = try await harness.state.updateKnobs(["fault_after_write_rate": 1])
        await harness.state.resetRequestLog()
        do {
            try await api.client(for: "demo").addItems("dupes", uris: ["spotify:track:track00000000000000009"])
            Issue.record("no error")
        } catch SpotifyError.writeMayHaveBeenApplied(let endpoint, let status) {
            #expect(endpoint == "POST /v1/playlists/{id}/items")
            #expect(status == 502)
        }
        #expect(await harness.state.count("POST /v1/playlists/{id}/items") == 1, "not repeated")
        #expect(await harness.state.uris(of: "dupes")?.last == "spotify:track:track00000000000000009", "it was applied")
        await harness.shutdown()
    }

    @Test func writesAreBatchedAndRemovalTakesEveryCopy() async throws {
        let harness = try await EmulatorHarness.start(library: Self.library())
        let (api, _) = try await harness.loggedInAPI()
        let client = api.client(for: "demo")
        await harness.state.resetRequestLog()
        let uris = (10..<260).map { String(format: "spotify:track:track%017d", $0) }
        let before = await harness.state.snapshotID(of: "dupes")
        let snapshot = try await client.addItems("dupes", uris: uris)
        #expect(await harness.state.count("POST /v1/playlists/{id}/items") == 3)
        #expect(snapshot == (await harness.state.snapshotID(of: "dupes")))
        #expect(snapshot != before)
        #expect(await harness.state.uris(of: "dupes")?.count == 255)

        try await client.removeItems("dupes", uris: [String(format: "spotify:track:track%017d", 1)])
        let remaining = await harness.state.uris(of: "dupes") ?? []
        #expect(!remaining.contains(String(format: "spotify:track:track%017d", 1)), "all three copies went")
        #expect(
            remaining.prefix(2) == [String(format: "spotify:track:track%017d", 2), String(format: "spotify:track:track%017d", 3)])

        try await client.replaceItems("dupes", uris: Array(uris.prefix(150)))
        #expect(await harness.state.uris(of: "dupes") == Array(uris.prefix(150)))
        #expect(await harness.state.count("PUT /v1/playlists/{id}/items") == 1)

        try await client.reorderItems("dupes", rangeStart: 0, insertBefore: 3)
        #expect(await harness.state.uris(of: "dupes")?.prefix(3) == [uris[1], uris[2], uris[0]][...])
        await harness.shutdown()
    }

    @Test func likedSongsWritesUseBatchesOf40() async throws {
        let harness = try await EmulatorHarness.start(library: Self.library())
        let (api, _) = try await harness.loggedInAPI()
        let client = api.client(for: "demo")
        await harness.state.resetRequestLog()
        let uris = (200..<245).map { String(format: "spotify:track:track%017d", $0) }
        try await client.saveToLibrary(uris: uris)
        #expect(await harness.state.count("PUT /v1/me/library") == 2)
        #expect(await harness.state.likedURIs(of: "demo").count == 120)
        try await client.removeFromLibrary(uris: uris)
        #expect(await harness.state.likedURIs(of: "demo").count == 75)
        await harness.shutdown()
    }

    @Test func itemsOfAPlaylistTheUserDoesNotOwnAre403() async throws {
        let harness = try await EmulatorHarness.start(library: Self.library())
        let (api, _) = try await harness.loggedInAPI()
        let client = api.client(for: "demo")
        do {
            _ = try await client.playlistItems("theirs").allItems()
            Issue.record("no error")
        } catch let error as SpotifyError {
            #expect(error.isForbidden)
            #expect(error.description.contains("GET /v1/playlists/{id}/items"))
        }
        let metadata = try await client.playlist("theirs")
        #expect(metadata.name == "Theirs")
        #expect(metadata.firstPage == nil, "metadata only")
        #expect(metadata.total == 2)
        await #expect(throws: SpotifyError.self) {
            try await client.addItems("theirs", uris: ["spotify:track:track00000000000000001"])
        }
        await harness.shutdown()
    }

    @Test func theFullPlaylistCarriesSnapshotAndFirst100Entries() async throws {
        let harness = try await EmulatorHarness.start(library: Self.library())
        let (api, _) = try await harness.loggedInAPI()
        let playlist = try await api.client(for: "demo").playlist("big")
        #expect(playlist.snapshotID == (await harness.state.snapshotID(of: "big")))
        #expect(playlist.firstPage?.items.count == 100)
        #expect(playlist.total == 130)
        let slim = try await api.client(for: "demo").playlist("big", fields: "snapshot_id,name,items(total)")
        #expect(slim.raw.objectValue?.keys.sorted() == ["items", "name", "snapshot_id"])
        #expect(slim.total == 130)
        await harness.shutdown()
    }

    @Test func noTokenAppearsInErrorsOrTheirDescriptions() async throws {
        let harness = try await EmulatorHarness.start(library: Self.library())
        let (api, store) = try await harness.loggedInAPI()
        let token = try #require(await store.token(for: "demo"))
        await harness.state.revokeTokens(user: nil)
        do {
            _ = try await api.client(for: "demo").playlistItems("theirs").allItems()
        } catch {
            let text = "\(error) \(String(reflecting: error))"
            #expect(!text.contains(token.accessToken))
            #expect(!text.contains(token.refreshToken))
        }
        await harness.shutdown()
    }
}
