import EmulatorTestSupport
import Foundation
import PlaykeeperJSON
import SpotifyEmulator
import Testing
import VaporTesting
import Yams

/// The emulator's answers have Spotify's shapes: the fields of the real captures in `../shared/fixtures`,
/// and the schemas of Spotify's own OpenAPI definition. Where SPOTIFY.md is silent, the definition rules.
@Suite(.enabled(if: Fixtures.available || Fixtures.required, "the shared folder is absent"))
struct ShapeConformanceTests {
    /// The schemas of `official-spotify-open-api.yml`, with `allOf` flattened.
    struct Schemas: @unchecked Sendable {  // immutable once parsed
        let schemas: [String: Any]

        static let shared: Result<Schemas, any Error> = Result {
            let text = try String(contentsOf: Fixtures.openAPIFile, encoding: .utf8)
            let root = try Yams.load(yaml: text) as? [String: Any]
            let components = root?["components"] as? [String: Any]
            return Schemas(schemas: components?["schemas"] as? [String: Any] ?? [:])
        }

        /// Declared properties, the required ones, and the deprecated ones.
        func shape(_ name: String) -> (properties: Set<String>, required: Set<String>, deprecated: Set<String>) {
            guard let schema = schemas[name] as? [String: Any] else { return ([], [], []) }
            return flatten(schema)
        }

        private func flatten(_ schema: [String: Any]) -> (properties: Set<String>, required: Set<String>, deprecated: Set<String>)
        {
            var properties = Set<String>()
            var required = Set(schema["required"] as? [String] ?? [])
            var deprecated = Set<String>()
            for part in schema["allOf"] as? [[String: Any]] ?? [] {
                let inner: (properties: Set<String>, required: Set<String>, deprecated: Set<String>)
                if let reference = part["$ref"] as? String,
                    let resolved = schemas[String(reference.split(separator: "/").last!)] as? [String: Any]
                {
                    inner = flatten(resolved)
                } else {
                    inner = flatten(part)
                }
                properties.formUnion(inner.properties)
                required.formUnion(inner.required)
                deprecated.formUnion(inner.deprecated)
            }
            for (key, value) in schema["properties"] as? [String: Any] ?? [:] {
                properties.insert(key)
                if (value as? [String: Any])?["deprecated"] as? Bool == true { deprecated.insert(key) }
            }
            return (properties, required, deprecated)
        }
    }

    /// Checks `object` against schema `name`: every required (non-deprecated) field is there, and every field
    /// is declared by the schema or seen in a real capture (`observed`).
    func conform(
        _ object: JSONValue?, to name: String, observed: Set<String> = [], sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let schemas = try Schemas.shared.get()
        let shape = schemas.shape(name)
        #expect(!shape.properties.isEmpty, "schema \(name) not found", sourceLocation: sourceLocation)
        let keys = Set(try #require(object?.objectValue, "not an object for \(name)", sourceLocation: sourceLocation).keys)
        let missing = shape.required.subtracting(shape.deprecated).subtracting(keys)
        #expect(missing.isEmpty, "\(name) lacks required \(missing.sorted())", sourceLocation: sourceLocation)
        let invented = keys.subtracting(shape.properties).subtracting(observed)
        #expect(
            invented.isEmpty, "\(name) has fields Spotify does not send: \(invented.sorted())", sourceLocation: sourceLocation)
    }

    func keys(_ value: JSONValue?) -> Set<String> { Set(value?.objectValue?.keys ?? []) }

    @Test func playlistEntriesTracksAndEpisodes() async throws {
        let captured = try Fixtures.json("playlist-items-page-2026-item-and-track.json")["items"]?[0]
        let capturedEpisode = try Fixtures.json("playlist-items-episode-with-additional-types-2021.json")["items"]?[1]?["track"]
        try await EmulatorClient.with { client in
            let token = try await client.token()
            let page = try await client.call(
                .GET, "v1/playlists/kinds/items?additional_types=track,episode&market=from_token", token: token
            ).json
            try conform(page, to: "PagingPlaylistTrackObject")
            let entry = page["items"]?[0]
            try conform(entry, to: "PlaylistTrackObject", observed: keys(captured))
            #expect(
                keys(captured).isSubset(of: keys(entry)),
                "the 2026 capture's entry fields: \(keys(captured).subtracting(keys(entry)).sorted())")
            let track = entry?["item"]
            try conform(track, to: "TrackObject", observed: keys(captured?["item"]))
            let schemas = try Schemas.shared.get()
            let deprecatedTrackFields = schemas.shape("TrackObject").deprecated
            let expectedTrackFields = keys(captured?["item"]).subtracting(deprecatedTrackFields)
            let trackFields = keys(track)
            #expect(
                expectedTrackFields.isSubset(of: trackFields), "missing: \(expectedTrackFields.subtracting(trackFields).sorted())"
            )
            try conform(track?["album"], to: "SimplifiedAlbumObject", observed: keys(captured?["item"]?["album"]))
            try conform(track?["artists"]?[0], to: "SimplifiedArtistObject")
            try conform(entry?["added_by"], to: "PlaylistUserObject", observed: ["display_name"])

            let episode = page["items"]?[1]?["item"]
            try conform(episode, to: "EpisodeObject", observed: keys(capturedEpisode))
            try conform(episode?["show"], to: "SimplifiedShowObject")
            let relinked = page["items"]?[5]?["item"]
            try conform(relinked?["linked_from"], to: "LinkedTrackObject")
        }
    }

    @Test func playlistsAndTheUser() async throws {
        let capturedSimplified = try Fixtures.json("current-user-playlists-page-2026.json")["items"]?[0]
        let capturedFull = try Fixtures.json("playlist-full-2026-tracks-and-items.json")
        try await EmulatorClient.with { client in
            let token = try await client.token()
            let list = try await client.call(.GET, "v1/me/playlists?limit=50", token: token).json
            try conform(list, to: "PagingPlaylistObject")
            let simplified = list["items"]?[0]
            try conform(simplified, to: "SimplifiedPlaylistObject", observed: keys(capturedSimplified))
            #expect(keys(capturedSimplified).isSubset(of: keys(simplified)))
            try conform(simplified?["owner"], to: "PlaylistOwnerObject")
            try conform(simplified?["items"], to: "PlaylistTracksRefObject")

            let full = try await client.call(.GET, "v1/playlists/mine", token: token).json
            try conform(full, to: "PlaylistObject", observed: keys(capturedFull))
            #expect(
                keys(capturedFull).isSubset(of: keys(full)), "missing: \(keys(capturedFull).subtracting(keys(full)).sorted())")
            try conform(full["items"], to: "PagingPlaylistTrackObject")

            let me = try await client.call(.GET, "v1/me", token: token).json
            try conform(me, to: "PrivateUserObject")
        }
    }

    @Test func libraryAndHistory() async throws {
        let generated = LibraryGenerator(seed: 3, playlists: 2, items: 10).generate()
        try await EmulatorClient.with(library: generated) { client in
            let token = try await client.token()
            let saved = try await client.call(.GET, "v1/me/tracks?market=from_token", token: token).json
            try conform(saved, to: "PagingSavedTrackObject")
            try conform(saved["items"]?[0], to: "SavedTrackObject")
            let history = try await client.call(.GET, "v1/me/player/recently-played", token: token).json
            try conform(history, to: "CursorPagingPlayHistoryObject")
            try conform(history["items"]?[0], to: "PlayHistoryObject")
            try conform(history["cursors"], to: "CursorObject")
            let snapshot = try await client.call(
                .DELETE, "v1/playlists/\(generated.playlists[0].id)/items", token: token,
                json: ["items": [["uri": .string(generated.playlists[0].entries[0].uri)]]]
            ).json
            #expect(keys(snapshot) == keys(try Fixtures.json("playlist-snapshot-id-response.json")))
        }
    }

    @Test func errorBodiesHaveSpotifysShapes() async throws {
        try await EmulatorClient.with { client in
            let notFound = try await client.call(.GET, "v1/playlists/nope", token: try await client.token()).json
            #expect(notFound == (try Fixtures.json("error-404-resource-not-found.json")))
            let badClient = try await client.call(
                .POST, "api/token", form: ["grant_type": "client_credentials"],
                headers: ["Authorization": "Basic " + Data("nobody:x".utf8).base64EncodedString()]
            ).json
            #expect(badClient == (try Fixtures.json("token-error-invalid-client.json")))
            _ = try await client.state.updateKnobs(["rate_limit": 1])
            let token = try await client.token()
            _ = try await client.call(.GET, "v1/me", token: token)
            let limited = try await client.call(.GET, "v1/me", token: token).json
            #expect(limited == (try Fixtures.json("error-429-rate-limit.json")))
        }
    }

    @Test func tokenAnswersHaveTheCapturedFields() async throws {
        let captured = try Fixtures.json("token-response-authorization-code.json")
        try await EmulatorClient.with { client in
            let location = try await client.authorize()
            let code = URLComponents(string: location)!.queryItems!.first { $0.name == "code" }!.value!
            let reply = try await client.call(
                .POST, "api/token",
                form: ["grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1:8080/callback"],
                headers: EmulatorClient.basic
            ).json
            #expect(keys(reply) == keys(captured))
            #expect(reply["token_type"] == captured["token_type"])
        }
    }
}
