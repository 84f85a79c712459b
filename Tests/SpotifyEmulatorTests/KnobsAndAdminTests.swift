import Foundation
import NIOCore
import PlaykeeperJSON
import SpotifyEmulator
import Testing
import VaporTesting

struct KnobsAndAdminTests {
    @Test func theRateLimitAnswers429WithRetryAfter() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            _ = try await client.call(.PATCH, "__emulator/knobs", json: ["rate_limit": 2])
            #expect(try await client.call(.GET, "v1/me", token: token).status == 200)
            #expect(try await client.call(.GET, "v1/me", token: token).status == 200)
            let limited = try await client.call(.GET, "v1/me", token: token)
            #expect(limited.status == 429)
            let retryAfter = try #require(limited.headers.first(name: "Retry-After").flatMap(Int.init))
            #expect((1...30).contains(retryAfter))
            #expect(limited.json["error"]?["message"]?.stringValue == "API rate limit exceeded")
            await client.state.advanceClock(seconds: Double(retryAfter))
            #expect(try await client.call(.GET, "v1/me", token: token).status == 200)
        }
    }

    @Test func theQuotaIsToldApart() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            _ = try await client.state.updateKnobs(["quota": 1])
            #expect(try await client.call(.GET, "v1/me", token: token).status == 200)
            let over = try await client.call(.GET, "v1/me", token: token)
            #expect(over.status == 429)
            #expect(over.json["error"]?["reason"]?.stringValue == "QUOTA_EXCEEDED")
        }
    }

    @Test func faultsBeforeAWriteDoNotApplyItAndFaultsAfterDo() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            _ = try await client.state.updateKnobs(["fault_rate": 1])
            let before = try await client.call(
                .POST, "v1/playlists/mine/items", token: token, json: ["uris": ["spotify:track:t9"]])
            #expect(before.status >= 500)
            #expect(await client.state.uris(of: "mine")?.count == 5)
            _ = try await client.state.updateKnobs(["fault_rate": 0, "fault_after_write_rate": 1])
            let after = try await client.call(
                .POST, "v1/playlists/mine/items", token: token, json: ["uris": ["spotify:track:t9"]])
            #expect(after.status >= 500)
            #expect(await client.state.uris(of: "mine")?.last == "spotify:track:t9", "applied, then failed")
        }
    }

    /// The latency is the whole time a request takes; a write is applied halfway, as if on the server.
    // A signal that never comes fails the test instead of hanging the run.
    @Test(.timeLimit(.minutes(2))) func aRequestTakesTheLatencyAndAWriteLandsHalfwayThrough() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            _ = try await client.state.updateKnobs(["latency_ms": 400])
            let clock = ContinuousClock()
            let started = clock.now
            let write = Task {
                try await client.call(.POST, "v1/playlists/mine/items", token: token, json: ["uris": ["spotify:track:t9"]])
            }
            // Signalled when the write is logged, right after it is applied.
            await client.state.waitUntil { $0.uris(of: "mine")?.count == 6 }
            #expect(clock.now - started >= .milliseconds(200), "not applied before half the latency has passed")
            #expect(try await write.value.status == 201)
            #expect(clock.now - started >= .milliseconds(400))
            #expect(await client.state.uris(of: "mine")?.last == "spotify:track:t9")

            let read = clock.now
            #expect(try await client.call(.GET, "v1/playlists/mine/items", token: token).status == 200)
            #expect(clock.now - read >= .milliseconds(400))
        }
    }

    @Test func badKnobsAreRefused() async throws {
        try await EmulatorClient.with { client in
            #expect(try await client.call(.PATCH, "__emulator/knobs", json: ["fault_rate": 2]).status == 400)
            #expect(try await client.call(.PATCH, "__emulator/knobs", json: ["nonsense": 1]).status == 400)
            let reply = try await client.call(.PATCH, "__emulator/knobs", json: ["latency_ms": 5, "access_token_lifetime": 60])
            #expect(reply.json["latency_ms"]?.intValue == 5)
            #expect(await client.state.knobs.accessTokenLifetime == 60)
        }
    }

    @Test func theRequestLogCountsPerEndpointTemplate() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            try await client.call(.DELETE, "__emulator/requests")
            _ = try await client.call(.GET, "v1/playlists/mine/items", token: token)
            _ = try await client.call(.GET, "v1/playlists/kinds/items", token: token)
            _ = try await client.call(.GET, "v1/playlists/theirs/items", token: token)
            let log = try await client.call(.GET, "__emulator/requests")
            #expect(log.json["counts"] == ["GET /v1/playlists/{id}/items": 3])
            #expect(log.json["requests"]?[2]?["status"]?.intValue == 403)
        }
    }

    @Test func appEditsAndTheStateDump() async throws {
        try await EmulatorClient.with { client in
            let before = await client.state.snapshotID(of: "mine")
            let reply = try await client.call(
                .POST, "__emulator/edits", json: ["op": "remove_positions", "playlist": "mine", "positions": [0]])
            #expect(reply.status == 200)
            #expect(
                await client.state.uris(of: "mine") == [
                    "spotify:track:t2", "spotify:track:t1", "spotify:track:t3", "spotify:track:t1",
                ],
                "the app can remove one copy")
            #expect(await client.state.snapshotID(of: "mine") != before)
            _ = try await client.call(
                .POST, "__emulator/edits",
                json: ["edits": [["op": "unfollow", "playlist": "mine"], ["op": "like", "uris": ["spotify:track:t5"]]]])
            let dump = try await client.call(.GET, "__emulator/state")
            #expect(dump.json["follows"]?["demo"]?.arrayValue?.contains("mine") == false, "deleting in the app only unfollows")
            #expect(dump.json["liked"]?["demo"]?[0]?.stringValue == "spotify:track:t5")
            let mine = dump.json["playlists"]?.arrayValue?.first { $0["id"]?.stringValue == "mine" }
            #expect(mine?["uris"]?.arrayValue?.count == 4, "still there by id")
            #expect(mine?["snapshot_id"]?.stringValue == (await client.state.snapshotID(of: "mine")))
            #expect(try await client.call(.POST, "__emulator/edits", json: ["op": "explode"]).status == 400)
        }
    }

    @Test func aLibraryLoadsAndDumpsBack() async throws {
        try await EmulatorClient.with { client in
            let library = LibraryGenerator(seed: 9, playlists: 3, items: 12).generate()
            let data = Array(try EmulatorLibrary.encoder().encode(library).serialized().utf8)
            var headers = HTTPHeaders()
            headers.contentType = .json
            var reply: Int = 0
            try await client.app.testing().test(.PUT, "__emulator/library", headers: headers, body: ByteBuffer(bytes: data)) {
                reply = Int($0.status.code)
            }
            #expect(reply == 200)
            var expected = library
            // The catalogue comes back ordered by id; everything else in the order it was loaded.
            expected.tracks.sort { $0.id < $1.id }
            expected.episodes.sort { $0.id < $1.id }
            #expect(await client.state.library() == expected)
            let bad = try await client.call(.PUT, "__emulator/library", json: ["users": "nope"])
            #expect(bad.status == 400)
        }
    }
}
