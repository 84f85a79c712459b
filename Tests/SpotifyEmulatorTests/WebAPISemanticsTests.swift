import Foundation
import PlaykeeperJSON
import SpotifyEmulator
import Testing
import VaporTesting

struct WebAPISemanticsTests {
    @Test func removingAURIRemovesEveryOccurrenceAndIgnoresPositions() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            let before = await client.state.snapshotID(of: "mine")
            let reply = try await client.call(
                .DELETE, "v1/playlists/mine/items", token: token,
                json: ["items": [["uri": "spotify:track:t1", "positions": [0]]]])
            #expect(reply.status == 200)
            #expect(
                await client.state.uris(of: "mine") == ["spotify:track:t2", "spotify:track:t3"],
                "all three copies went, not only position 0")
            let after = reply.json["snapshot_id"]?.stringValue
            #expect(after == (await client.state.snapshotID(of: "mine")))
            #expect(after != before)
        }
    }

    @Test func everyChangeGivesANewSnapshotAndReadsKeepIt() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            var seen: Set<String> = [try #require(await client.state.snapshotID(of: "mine"))]
            _ = try await client.call(.GET, "v1/playlists/mine/items", token: token)
            #expect(seen.contains(try #require(await client.state.snapshotID(of: "mine"))), "a read changes nothing")
            let writes: [(HTTPMethod, JSONValue)] = [
                (.POST, ["uris": ["spotify:track:t4"]]), (.PUT, ["range_start": 0, "insert_before": 2]),
                (.DELETE, ["items": [["uri": "spotify:track:t4"]]]), (.PUT, ["uris": ["spotify:track:t5"]]),
            ]
            for (method, body) in writes {
                let reply = try await client.call(method, "v1/playlists/mine/items", token: token, json: body)
                #expect(reply.status == (method == .POST ? 201 : 200), "\(method) \(reply.text)")
                let snapshot = try #require(reply.json["snapshot_id"]?.stringValue)
                #expect(seen.insert(snapshot).inserted, "snapshot ids never repeat")
            }
            #expect(await client.state.uris(of: "mine") == ["spotify:track:t5"])
        }
    }

    @Test func writeLimitsAndTheCap() async throws {
        var library = EmulatorClient.library
        library.playlists[0].entries = Array(repeating: .init(uri: "spotify:track:t1", addedAt: nil, addedBy: nil), count: 9_950)
        try await EmulatorClient.with(library: library) { client in
            let token = try await client.token()
            let tooMany = try await client.call(
                .POST, "v1/playlists/mine/items", token: token,
                json: ["uris": .array(Array(repeating: "spotify:track:t2", count: 101))])
            #expect(tooMany.status == 400)
            let overCap = try await client.call(
                .POST, "v1/playlists/mine/items", token: token,
                json: ["uris": .array(Array(repeating: "spotify:track:t2", count: 51))])
            #expect(overCap.status == 500, "Spotify fails past 10,000 items with a 500")
            let local = try await client.call(
                .POST, "v1/playlists/mine/items", token: token, json: ["uris": ["spotify:local:a:b:c:1"]])
            #expect(local.status == 400, "local files cannot be added through the API")
            let unknown = try await client.call(
                .POST, "v1/playlists/mine/items", token: token, json: ["uris": ["spotify:track:nope"]])
            #expect(unknown.status == 400)
            #expect(unknown.json["error"]?["status"]?.intValue == 400)
        }
    }

    @Test func developmentModeRefusesTheOldPaths() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            for (method, path) in [
                (HTTPMethod.GET, "v1/playlists/mine/tracks"), (.POST, "v1/playlists/mine/tracks"),
                (.DELETE, "v1/playlists/mine/tracks"),
                (.GET, "v1/users/demo/playlists"), (.POST, "v1/users/demo/playlists"), (.GET, "v1/users/demo"),
            ] {
                let reply = try await client.call(method, path, token: token)
                #expect(reply.status == 403, "\(method) \(path)")
                #expect(reply.json["error"]?["status"]?.intValue == 403)
            }
            _ = try await client.state.updateKnobs(["extended_mode": true])
            let legacy = try await client.call(.GET, "v1/playlists/mine/tracks", token: token)
            #expect(legacy.status == 200)
            #expect(legacy.json["items"]?[0]?["track"]?["uri"]?.stringValue == "spotify:track:t1")
            #expect(legacy.json["items"]?[0]?["item"] == nil)
        }
    }

    @Test func deprecatedFieldsComeBackNullInDevelopmentMode() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            let page = try await client.call(.GET, "v1/playlists/mine/items?additional_types=track,episode", token: token)
            let entry = try #require(page.json["items"]?[0])
            #expect(entry["track"]?.isNull == true)
            #expect(entry["item"]?["uri"]?.stringValue == "spotify:track:t1")
            let playlist = try await client.call(.GET, "v1/playlists/mine", token: token)
            #expect(playlist.json["tracks"]?.isNull == true)
            #expect(playlist.json["items"]?["total"]?.intValue == 5)
            let me = try await client.call(.GET, "v1/me", token: token)
            #expect(me.json["account_id"]?.stringValue == "acct-demo")
            #expect(me.json["country"] == nil && me.json["product"] == nil, "deprecated profile fields are absent")
        }
    }

    @Test func entriesOfAllFourKinds() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            let with = try await client.call(
                .GET, "v1/playlists/kinds/items?additional_types=track,episode&market=from_token", token: token)
            let items = try #require(with.json["items"]?.arrayValue)
            #expect(items[0]["item"]?["type"]?.stringValue == "track")
            #expect(items[1]["item"]?["type"]?.stringValue == "episode")
            #expect(items[1]["item"]?["show"]?["name"]?.stringValue == "The Show")
            #expect(items[2]["is_local"]?.boolValue == true)
            #expect(items[2]["item"]?["id"]?.isNull == true)
            #expect(items[2]["item"]?["uri"]?.stringValue == "spotify:local:Artist:Album:Title:200")
            #expect(items[3]["item"]?.isNull == true, "an unavailable track reads as null")
            #expect(items[4]["item"]?["is_playable"]?.boolValue == false)
            #expect(items[5]["item"]?["id"]?.stringValue == "t9", "relinked: the substitute is shown")
            #expect(items[5]["item"]?["linked_from"]?["uri"]?.stringValue == "spotify:track:t8")

            let without = try await client.call(.GET, "v1/playlists/kinds/items", token: token)
            let plain = try #require(without.json["items"]?.arrayValue)
            #expect(plain[1]["item"]?["type"]?.stringValue == "episode")
            #expect(plain[1]["item"]?["track"]?.boolValue == true, "without additional_types an episode is disguised as a track")
            #expect(plain[1]["item"]?["album"]?["album_type"]?.stringValue == "show")
            #expect(plain[1]["item"]?["show"] == nil)
            #expect(plain[4]["item"]?["is_playable"] == nil, "is_playable only with market")
            #expect(plain[5]["item"]?["id"]?.stringValue == "t8")
            #expect(plain[5]["item"]?["linked_from"] == nil, "linked_from only with market")
        }
    }

    @Test func itemsAreReadableOnlyByOwnerOrCollaborator() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            #expect(try await client.call(.GET, "v1/playlists/theirs/items", token: token).status == 403)
            #expect(
                try await client.call(.GET, "v1/playlists/fake-collab/items", token: token).status == 403,
                "collaborative: true does not make this user a collaborator")
            #expect(try await client.call(.GET, "v1/playlists/shared/items", token: token).status == 200)
            #expect(
                try await client.call(.POST, "v1/playlists/theirs/items", token: token, json: ["uris": ["spotify:track:t1"]])
                    .status == 403)
            let metadata = try await client.call(.GET, "v1/playlists/theirs", token: token)
            #expect(metadata.status == 200)
            #expect(metadata.json["items"]?["items"] == nil, "metadata only")
            #expect(try await client.call(.GET, "v1/playlists/editorial", token: token).status == 404)
            let missing = try await client.call(.GET, "v1/playlists/nope", token: token)
            #expect(missing.status == 404)
            #expect(missing.json == ["error": ["status": 404, "message": "Resource not found"]])
        }
    }

    @Test func pagingHasAbsoluteLinksAndLimits() async throws {
        try await EmulatorClient.with { client in
            await client.state.setBaseURL("http://127.0.0.1:4321")
            let token = try await client.token()
            let page = try await client.call(.GET, "v1/playlists/mine/items?limit=2&market=from_token", token: token)
            #expect(
                page.json["next"]?.stringValue?.hasPrefix("http://127.0.0.1:4321/v1/playlists/mine/items?offset=2&limit=2")
                    == true)
            #expect(page.json["next"]?.stringValue?.contains("market=from_token") == true)
            #expect(page.json["previous"]?.isNull == true)
            #expect(page.json["total"]?.intValue == 5)
            #expect(try await client.call(.GET, "v1/playlists/mine/items?limit=51", token: token).status == 400)
            #expect(try await client.call(.GET, "v1/playlists/mine/items?limit=0", token: token).status == 400)
            let playlists = try await client.call(.GET, "v1/me/playlists?limit=2", token: token)
            #expect(
                playlists.json["next"]?.stringValue?.contains("/v1/users/demo/playlists") == true,
                "real /me/playlists pages link to a path Development Mode refuses")
            #expect(playlists.json["total"]?.intValue == 6)
        }
    }

    @Test func bearerTokensAndScopesAreChecked() async throws {
        try await EmulatorClient.with { client in
            let missing = try await client.call(.GET, "v1/me")
            #expect(missing.status == 401)
            #expect(missing.json["error"]?["message"]?.stringValue == "Missing/invalid/expired access token")
            #expect(try await client.call(.GET, "v1/me", token: "garbage").status == 401)
            let readOnly = try await client.token(scope: "playlist-read-private user-read-private")
            let write = try await client.call(
                .POST, "v1/playlists/mine/items", token: readOnly, json: ["uris": ["spotify:track:t1"]])
            #expect(write.status == 403)
            #expect(write.json["error"]?["message"]?.stringValue == "Insufficient client scope")
            #expect(try await client.call(.GET, "v1/me/tracks", token: readOnly).status == 403)
            let token = try await client.token()
            await client.state.expireAccessTokens()
            #expect(try await client.call(.GET, "v1/me", token: token).status == 401)
        }
    }

    @Test func likedSongsAndTheLibraryEndpoints() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            #expect(
                try await client.call(.PUT, "v1/me/library?uris=spotify:track:t2,spotify:track:t3", token: token).status == 200)
            #expect(await client.state.likedURIs(of: "demo") == ["spotify:track:t3", "spotify:track:t2", "spotify:track:t1"])
            let page = try await client.call(.GET, "v1/me/tracks?limit=2", token: token)
            #expect(page.json["total"]?.intValue == 3)
            #expect(page.json["items"]?[0]?["track"]?["uri"]?.stringValue == "spotify:track:t3")
            let many = (0..<41).map { _ in "spotify:track:t1" }.joined(separator: ",")
            #expect(try await client.call(.DELETE, "v1/me/library?uris=\(many)", token: token).status == 400)
            #expect(try await client.call(.DELETE, "v1/me/library?uris=spotify:track:t1", token: token).status == 200)
            #expect(await client.state.likedURIs(of: "demo") == ["spotify:track:t3", "spotify:track:t2"])
            #expect(try await client.call(.PUT, "v1/me/tracks?ids=t1", token: token).status == 403, "the old save path is gone")
        }
    }

    @Test func createPlaylistAddsItToTheTopOfMePlaylists() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            let created = try await client.call(
                .POST, "v1/me/playlists", token: token, json: ["name": "All my tracks", "public": false])
            #expect(created.status == 201)
            let id = try #require(created.json["id"]?.stringValue)
            #expect(id.count == 22)
            #expect(created.json["owner"]?["id"]?.stringValue == "demo")
            let list = try await client.call(.GET, "v1/me/playlists?limit=1", token: token)
            #expect(list.json["items"]?[0]?["id"]?.stringValue == id)
            #expect(try await client.call(.POST, "v1/me/playlists", token: token, json: ["public": false]).status == 400)
        }
    }

    @Test func fieldsFilterTheAnswer() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            let reply = try await client.call(
                .GET, "v1/playlists/mine?fields=snapshot_id,name,items(total,items(item(uri)))", token: token)
            #expect(reply.json.objectValue?.keys.sorted() == ["items", "name", "snapshot_id"])
            #expect(reply.json["items"]?.objectValue?.keys.sorted() == ["items", "total"])
            #expect(reply.json["items"]?["items"]?[0] == ["item": ["uri": "spotify:track:t1"]])
            let excluded = try await client.call(.GET, "v1/playlists/mine?fields=owner(!href,external_urls)", token: token)
            #expect(excluded.json["owner"]?["id"]?.stringValue == "demo")
            #expect(excluded.json["owner"]?["href"] == nil)
            #expect(try await client.call(.GET, "v1/playlists/mine?fields=items(", token: token).status == 400)
        }
    }

    @Test func recentlyPlayedIsCursorPaged() async throws {
        let generated = LibraryGenerator(seed: 2, playlists: 2, items: 10).generate()
        try await EmulatorClient.with(library: generated) { client in
            let token = try await client.token()
            let page = try await client.call(.GET, "v1/me/player/recently-played?limit=10", token: token)
            #expect(page.json["items"]?.arrayValue?.count == 10)
            let before = try #require(page.json["cursors"]?["before"]?.stringValue)
            let older = try await client.call(.GET, "v1/me/player/recently-played?limit=10&before=\(before)", token: token)
            #expect(older.json["items"]?[0]?["played_at"] != page.json["items"]?[0]?["played_at"])
        }
    }

    /// Items are rendered once and their text kept: the kept text must say what the tree says, for every kind
    /// of entry and each endpoint that uses it, and must be forgotten when the catalogue changes.
    @Test func keptItemTextSaysWhatTheTreeSaysAndFollowsTheCatalogue() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token()
            let query = "market=from_token&additional_types=track,episode"
            for (path, items) in [
                ("v1/playlists/kinds/items?\(query)", ["items"]), ("v1/playlists/mine/items?limit=3&\(query)", ["items"]),
                ("v1/playlists/kinds/items?additional_types=track", ["items"]), ("v1/me/tracks?market=from_token", ["items"]),
                ("v1/playlists/kinds?\(query)", ["items", "items"]),
            ] {
                let first = try await client.call(.GET, path, token: token)
                let again = try await client.call(.GET, path, token: token)
                #expect(first.status == 200 && again.text == first.text, "\(path): rendered, then kept")
                let top = items[0]
                let tree = try await client.call(.GET, path + "&fields=\(top)", token: token)
                #expect(tree.json[top] == first.json[top], "\(path): the tree a fields filter works on")
                let entries = items.reduce(first.json) { $0[$1] ?? .null }.arrayValue ?? []
                #expect(!entries.isEmpty, "\(path)")
            }

            let uri = try #require(await client.state.uris(of: "mine")?.first)
            // A name that looks like a placeholder for an item of the same response stays a name.
            let lookalike = "\u{0}" + uri
            let rename = try await client.call(.PUT, "v1/playlists/mine", token: token, json: ["name": .string(lookalike)])
            #expect(rename.status == 200)
            let renamedPlaylist = try await client.call(.GET, "v1/playlists/mine?\(query)", token: token)
            #expect(renamedPlaylist.json["name"]?.stringValue == lookalike)
            #expect(renamedPlaylist.json["items"]?["items"]?[0]?["item"]?["uri"]?.stringValue == uri)

            var library = await client.state.library()
            let index = try #require(library.tracks.firstIndex { "spotify:track:\($0.id)" == uri })
            library.tracks[index].name = "Renamed in the catalogue"
            await client.state.replaceLibrary(library)
            let renamed = try await client.call(.GET, "v1/playlists/mine/items?\(query)", token: token)
            #expect(renamed.json["items"]?[0]?["item"]?["name"]?.stringValue == "Renamed in the catalogue")
        }
    }
}
