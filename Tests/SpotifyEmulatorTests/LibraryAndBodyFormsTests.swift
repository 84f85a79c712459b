import Foundation
import NIOHTTP1
import PlaykeeperJSON
import SpotifyEmulator
import Testing

/// What real clients send that our own client does not: every body form Spotify takes for adding items (spotipy
/// sends a bare array), `/me/library` with every URI type and its scopes, and the deprecated follower paths.
struct LibraryAndBodyFormsTests {
    static let follow = EmulatorClient.allScopes + " user-follow-read user-follow-modify"

    func uris(_ client: EmulatorClient, _ playlist: String) async -> [String] {
        await client.state.dump()["playlists"]?.arrayValue?.first { $0["id"]?.stringValue == playlist }?["uris"]?
            .arrayValue?.compactMap(\.stringValue) ?? []
    }

    @Test func addTakesABareArrayTheURIsParameterOrABody() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            let bare = try await client.call(
                .POST, "v1/playlists/mine/items?position=0", token: token, json: ["spotify:track:t4", "spotify:track:t5"])
            #expect(bare.status == 201, "\(bare.text)")
            #expect(bare.json["snapshot_id"]?.stringValue != nil)
            let query = try await client.call(.POST, "v1/playlists/mine/items?uris=spotify:track:t6&position=1", token: token)
            #expect(query.status == 201, "\(query.text)")
            let body = try await client.call(
                .POST, "v1/playlists/mine/items", token: token, json: ["uris": ["spotify:track:t9"], "position": 2])
            #expect(body.status == 201, "\(body.text)")
            #expect(
                await uris(client, "mine").prefix(4).map { $0 }
                    == ["spotify:track:t4", "spotify:track:t6", "spotify:track:t9", "spotify:track:t5"])

            // Refused as Spotify refuses them, with its error shape.
            let nothing = try await client.call(.POST, "v1/playlists/mine/items", token: token)
            #expect(nothing.json == ["error": ["status": 400, "message": "No uris provided"]])
            for (json, path) in [
                (["uris": "spotify:track:t1"] as JSONValue, "v1/playlists/mine/items"),
                (["spotify:track:t1", 7], "v1/playlists/mine/items"),
                (["uris": ["spotify:track:t1"], "position": "first"], "v1/playlists/mine/items"),
                (["spotify:track:t1"], "v1/playlists/mine/items?position=first"),
                (["spotify:track:t1"], "v1/playlists/mine/items?position=99"),
                (["spotify:artist:artist0000000000000001"], "v1/playlists/mine/items"),
            ] {
                let reply = try await client.call(.POST, path, token: token, json: json)
                #expect(reply.status == 400, "\(json) to \(path): \(reply.text)")
                #expect(reply.json["error"]?["status"]?.intValue == 400)
            }
            // A replace takes the same forms; `[]` clears, nothing at all is refused.
            #expect(try await client.call(.PUT, "v1/playlists/mine/items", token: token).status == 400)
            let replaced = try await client.call(.PUT, "v1/playlists/mine/items", token: token, json: ["spotify:track:t2"])
            #expect(replaced.status == 200)
            #expect(await uris(client, "mine") == ["spotify:track:t2"])
            #expect(try await client.call(.PUT, "v1/playlists/mine/items", token: token, json: ["uris": []]).status == 200)
            #expect(await uris(client, "mine").isEmpty)
        }
    }

    @Test func theLibraryTakesEveryURITypeWithItsScope() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token(scope: Self.follow)
            let items = [
                "spotify:album:album00000000000000001", "spotify:episode:e1", "spotify:show:show000000000000000001",
                "spotify:audiobook:book000000000000000001", "spotify:user:friend", "spotify:track:t2",
            ]
            let saved = try await client.call(.PUT, "v1/me/library?uris=\(items.joined(separator: ","))", token: token)
            #expect(saved.status == 200, "\(saved.text)")
            let asked = items + ["spotify:artist:artist0000000000000001", "spotify:track:t3"]
            let contains = try await client.call(
                .GET, "v1/me/library/contains?uris=\(asked.joined(separator: ","))", token: token)
            #expect(contains.json == [true, true, true, true, true, true, false, false])
            #expect(await client.state.likedURIs(of: "demo").first == "spotify:track:t2")

            #expect(
                try await client.call(.DELETE, "v1/me/library?uris=spotify:album:album00000000000000001", token: token)
                    .status == 200)
            let after = try await client.call(
                .GET, "v1/me/library/contains?uris=spotify:album:album00000000000000001", token: token)
            #expect(after.json == [false])

            // Refused: an artist (followed elsewhere), an unknown type, a malformed id, an unknown song, none, 41.
            for uris in [
                "spotify:artist:artist0000000000000001", "spotify:genre:jazz", "spotify:album:short", "spotify:track:zz",
                "", Array(repeating: "spotify:track:t1", count: 41).joined(separator: ","),
            ] {
                let reply = try await client.call(.PUT, "v1/me/library?uris=\(uris)", token: token)
                #expect(reply.status == 400, "\(uris): \(reply.text)")
            }
            #expect(
                try await client.call(.PUT, "v1/me/library?uris=spotify:playlist:ZZZZZZZZZZZZZZZZZZZZZZ", token: token)
                    .status == 404)

            // Each type needs its own scope: songs the library's, users the follow scope, playlists a playlist one.
            let library = try await client.token(scope: "user-library-modify user-library-read")
            #expect(try await client.call(.PUT, "v1/me/library?uris=spotify:track:t3", token: library).status == 200)
            for uri in ["spotify:user:friend", "spotify:playlist:theirs"] {
                let reply = try await client.call(.PUT, "v1/me/library?uris=\(uri)", token: library)
                #expect(reply.json == ["error": ["status": 403, "message": "Insufficient client scope"]], "\(uri)")
            }
            #expect(
                try await client.call(.GET, "v1/me/library/contains?uris=spotify:artist:artist0000000000000001", token: library)
                    .status == 403)
        }
    }

    @Test func savingAPlaylistFollowsItAndRemovingItUnfollows() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token(scope: Self.follow)
            func listed() async throws -> [String] {
                try await client.call(.GET, "v1/me/playlists?limit=50", token: token).json["items"]?.arrayValue?
                    .compactMap { $0["id"]?.stringValue } ?? []
            }
            #expect(try await client.call(.DELETE, "v1/me/library?uris=spotify:playlist:theirs", token: token).status == 200)
            #expect(try await !listed().contains("theirs"))
            #expect(try await client.call(.PUT, "v1/me/library?uris=spotify:playlist:theirs", token: token).status == 200)
            #expect(try await listed().first == "theirs")

            // The deprecated follower paths do the same (spotipy 2.26 unfollows through them).
            #expect(try await client.call(.DELETE, "v1/playlists/theirs/followers", token: token).status == 200)
            #expect(try await !listed().contains("theirs"))
            let check = try await client.call(.GET, "v1/playlists/theirs/followers/contains?ids=demo", token: token)
            #expect(check.json == [false])
            #expect(
                try await client.call(.PUT, "v1/playlists/theirs/followers", token: token, json: ["public": false]).status
                    == 200)
            #expect(try await listed().first == "theirs")
            #expect(try await client.call(.GET, "v1/playlists/theirs/followers/contains", token: token).json == [true])
            #expect(try await client.call(.GET, "v1/playlists/theirs/followers/contains?ids=a,b", token: token).status == 400)
            #expect(try await client.call(.PUT, "v1/playlists/nope/followers", token: token).status == 404)
            let reader = try await client.token(scope: "playlist-read-private")
            #expect(try await client.call(.DELETE, "v1/playlists/theirs/followers", token: reader).status == 403)
        }
    }

    @Test func documentedParameterLimitsAreEnforced() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            for path in ["v1/playlists/mine?market=", "v1/playlists/mine/items?market=", "v1/me/tracks?market="] {
                #expect(try await client.call(.GET, path + "ES", token: token).status == 200, "\(path)ES")
                #expect(try await client.call(.GET, path + "from_token", token: token).status == 200, "\(path)from_token")
                let bad = try await client.call(.GET, path + "Spain", token: token)
                #expect(bad.json == ["error": ["status": 400, "message": "Invalid market code"]], "\(path)Spain")
            }
            #expect(try await client.call(.GET, "v1/me/playlists?offset=100000", token: token).status == 200)
            #expect(try await client.call(.GET, "v1/me/playlists?offset=100001", token: token).status == 400)

            // Bodies' members of the wrong type are refused, and a refused change changes nothing.
            for json: JSONValue in [["name": "x", "public": "yes"], ["name": "x", "description": 5], ["name": 7]] {
                #expect(try await client.call(.POST, "v1/me/playlists", token: token, json: json).status == 400, "\(json)")
            }
            let refused = try await client.call(
                .PUT, "v1/playlists/mine", token: token, json: ["name": "Renamed", "collaborative": true, "public": true])
            #expect(refused.status == 400)
            func details() async throws -> JSONValue { try await client.call(.GET, "v1/playlists/mine", token: token).json }
            #expect(try await details()["name"]?.stringValue == "Mine")
            let made = try await client.call(
                .PUT, "v1/playlists/mine", token: token, json: ["collaborative": true, "public": false])
            #expect(made.status == 200)
            #expect(try await details()["collaborative"]?.boolValue == true)
            #expect(try await details()["public"]?.boolValue == false)
        }
    }
}
