import Foundation
import PlaykeeperJSON
import SpotifyEmulator
import Testing
import VaporTesting

/// `hold_writes_after`: writes past the k-th wait before they are applied, and are dropped unapplied when the
/// knob is cleared; reads are never held.
struct HoldWritesTests {
    @Test(.timeLimit(.minutes(1))) func writesPastTheLimitWaitAndAreDroppedWhenReleased() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            _ = try await client.state.updateKnobs(["hold_writes_after": 1])
            let first = try await client.call(
                .POST, "v1/playlists/mine/items", token: token, json: ["uris": ["spotify:track:t8"]])
            #expect(first.status == 201, "the first write goes through")
            let held = Task {
                try await client.call(.POST, "v1/playlists/mine/items", token: token, json: ["uris": ["spotify:track:t9"]])
            }
            await client.state.waitForHeldWrites()
            #expect(try await client.call(.GET, "v1/playlists/mine/items", token: token).status == 200, "reads pass")
            #expect(await client.state.uris(of: "mine")?.last == "spotify:track:t8", "the held write is not applied")
            _ = try await client.state.updateKnobs(["hold_writes_after": .null])
            #expect(try await held.value.status == 503)
            #expect(await client.state.uris(of: "mine")?.last == "spotify:track:t8", "dropped, never applied")
            #expect(await client.state.heldWrites == 0)
        }
    }

    @Test(.timeLimit(.minutes(1))) func heldWritesReleasedToApplyAreApplied() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            _ = try await client.state.updateKnobs(["hold_writes_after": 0])
            let held = Task {
                try await client.call(.POST, "v1/playlists/mine/items", token: token, json: ["uris": ["spotify:track:t9"]])
            }
            await client.state.waitForHeldWrites()
            await client.state.releaseHeldWrites(apply: true)
            #expect(try await held.value.status == 201)
            #expect(await client.state.uris(of: "mine")?.last == "spotify:track:t9")
        }
    }
}

/// `withhold_reply_of_write`: the k-th write is applied and its reply withheld, the crash point where a write
/// landed but its answer never came.
struct WithheldReplyTests {
    @Test(.timeLimit(.minutes(1))) func theKthWriteIsAppliedAndItsReplyWithheld() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            _ = try await client.state.updateKnobs(["withhold_reply_of_write": 2])
            let first = try await client.call(
                .POST, "v1/playlists/mine/items", token: token, json: ["uris": ["spotify:track:t8"]])
            #expect(first.status == 201)
            let second = Task {
                try await client.call(.POST, "v1/playlists/mine/items", token: token, json: ["uris": ["spotify:track:t9"]])
            }
            await client.state.waitForWithheldReply()
            #expect(await client.state.uris(of: "mine")?.last == "spotify:track:t9", "applied before the reply")
            _ = try await client.state.updateKnobs(["withhold_reply_of_write": .null])
            #expect(try await second.value.status == 502, "the reply, once released, says it failed")
            let third = try await client.call(
                .POST, "v1/playlists/mine/items", token: token, json: ["uris": ["spotify:track:t1"]])
            #expect(third.status == 201, "later writes answer as usual")
        }
    }
}
