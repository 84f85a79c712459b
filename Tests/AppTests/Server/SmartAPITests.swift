import App
import EmulatorTestSupport
import Foundation
import Library
import PlaykeeperJSON
import SpotifyEmulator
import Testing
import Vapor

/// `/api/v1/smart` with a personal token: list, turn on (an update job creates the playlist), preview, rules of
/// one's own, removal, and bad input answered with its status and message.
@Suite(.serialized)
struct SmartAPITests {
    @Test func theAPIKeepsSmartPlaylistsThroughJobs() async throws {
        try await TestServer.with(library: CLITests.library) { server in
            let token = try await server.token()
            _ = try await server.mirror.sync()
            let actions = try await server.mirror.actions()
            try await SmartTests.importPlays(actions, SmartTests.plays([1: 5, 2: 3, 9: 1]), name: "a")

            let list = try await server.send(.GET, "/api/v1/smart", bearer: token)
            #expect(list.status == .ok)
            #expect(list.json["smart"]?.arrayValue?.map { $0["enabled"]?.boolValue } == [false, false, false, false])

            let on = try await server.send(.PUT, "/api/v1/smart/on-repeat", bearer: token, json: ["enabled": true])
            #expect(on.status == .ok, "\(on.body)")
            #expect(on.json["job"]?["kind"]?.stringValue == "smart")
            await server.settle()
            let shown = try await server.send(.GET, "/api/v1/smart/on-repeat", bearer: token)
            #expect(shown.json["smart"]?["songs"]?.intValue == 3 && shown.json["smart"]?["id"]?.stringValue != nil)
            #expect(shown.json["preview"]?["strategy"]?.stringValue == "unchanged")
            #expect(shown.json["preview"]?["songs"]?[0]?["reason"]?.stringValue == "5 plays in the last 30 days")
            let id = try #require(shown.json["smart"]?["id"]?.stringValue)
            #expect(await server.mirror.state.uris(of: id) == [1, 2, 9].map(SmartTests.uri))

            let preview = try await server.send(
                .POST, "/api/v1/smart/preview", bearer: token, json: ["from": ["history"], "window": "7d", "limit": 2])
            #expect(preview.status == .ok, "\(preview.body)")
            #expect(preview.json["songs"]?.arrayValue?.count == 2 && preview.json["status"]?.stringValue == "preview")

            let created = try await server.send(
                .POST, "/api/v1/smart", bearer: token,
                json: ["name": "Unheard", "from": ["Source 0"], "max_plays": 0, "order": "sources"])
            #expect(created.status == .created, "\(created.body)")
            #expect(
                created.json["smart"]?["key"]?.stringValue == "unheard" && created.json["smart"]?["ranked"]?.boolValue == false)
            await server.settle()
            let unheard = try await server.send(.GET, "/api/v1/smart/unheard", bearer: token)
            #expect(unheard.json["smart"]?["songs"]?.intValue == 9)

            let changed = try await server.send(
                .PUT, "/api/v1/smart/unheard", bearer: token, json: ["from": ["Source 1"], "max_plays": 0, "order": "sources"])
            #expect(changed.status == .ok && changed.json["job"] != nil, "\(changed.body)")
            await server.settle()

            let update = try await server.send(.POST, "/api/v1/smart/update", bearer: token)
            #expect(update.status == .accepted)
            await server.settle()

            for (method, path, body, status, words) in [
                (
                    HTTPMethod.POST, "/api/v1/smart", ["name": "X", "limit": 0] as JSONValue, HTTPStatus.unprocessableEntity,
                    "limit"
                ),
                (.POST, "/api/v1/smart", ["name": "X", "bogus": 1], .unprocessableEntity, "'bogus' is not a field"),
                (.POST, "/api/v1/smart", ["limit": 5], .unprocessableEntity, "'name' is missing"),
                (.POST, "/api/v1/smart", ["name": "X", "limit": "five"], .unprocessableEntity, "'limit' must be a number"),
                (.POST, "/api/v1/smart", ["name": "X", "from": ["Nowhere"]], .unprocessableEntity, "no mirrored playlist"),
                (.POST, "/api/v1/smart", ["name": "Unheard"], .conflict, "exists"),
                (.POST, "/api/v1/smart/preview", ["order": "random"], .unprocessableEntity, "'order' is plays"),
                (.PUT, "/api/v1/smart/on-repeat", ["limit": 10], .conflict, "built-in"),
                (.PUT, "/api/v1/smart/unheard", ["name": "Other"], .unprocessableEntity, "'name' cannot be changed"),
                (.PUT, "/api/v1/smart/nope", ["enabled": true], .notFound, "no smart playlist nope"),
            ] as [(HTTPMethod, String, JSONValue, HTTPStatus, String)] {
                let reply = try await server.send(method, path, bearer: token, json: body)
                #expect(reply.status == status, "\(method) \(path) \(body): \(reply.body)")
                #expect(reply.errorMessage?.contains(words) == true, "\(method) \(path): \(reply.body)")
            }
            #expect(try await server.send(.GET, "/api/v1/smart/nope", bearer: token).status == .notFound)
            #expect(try await server.send(.DELETE, "/api/v1/smart/discovered", bearer: token).status == .notFound)

            let removed = try await server.send(.DELETE, "/api/v1/smart/unheard", bearer: token)
            #expect(removed.status == .ok && removed.json["smart"]?["key"]?.stringValue == "unheard")
            #expect(try await server.send(.GET, "/api/v1/smart", bearer: token).json["smart"]?.arrayValue?.count == 4)
            #expect(try await server.send(.GET, "/api/v1/smart").status == .unauthorized)
        }
    }

    /// An upload that adds plays runs the plays job now (a poll, then the updates that are due), which brings a smart
    /// playlist whose songs changed up to date.
    @Test func anImportThatChangesASmartPlaylistUpdatesIt() async throws {
        var settings = ServerSettings()
        settings.smartInterval = 0
        try await TestServer.with(library: CLITests.library, settings: settings) { server in
            let token = try await server.token()
            _ = try await server.mirror.sync()
            let actions = try await server.mirror.actions()
            try await SmartTests.importPlays(actions, SmartTests.plays([1: 5, 2: 3]), name: "a")
            #expect(try await server.send(.PUT, "/api/v1/smart/on-repeat", bearer: token, json: ["enabled": true]).status == .ok)
            await server.settle()
            let shown = try await server.send(.GET, "/api/v1/smart/on-repeat", bearer: token)
            let id = try #require(shown.json["smart"]?["id"]?.stringValue)
            #expect(await server.mirror.state.uris(of: id) == [1, 2].map(SmartTests.uri))

            let history = try SmartTests.history(SmartTests.plays([3: 9], withinDays: 1), now: Date())
            let reply = try await ImportTests.post(
                server, token: token, ImportTests.upload(history, filename: "Streaming_History_Audio_2026.json"))
            #expect(reply.status == .ok, "\(reply.body)")
            await server.settle()
            #expect(await server.mirror.state.uris(of: id) == [3, 1, 2].map(SmartTests.uri))
            let jobs = try await server.send(.GET, "/api/v1/jobs?limit=50", bearer: token).json["items"]?.arrayValue ?? []
            #expect(jobs.contains { $0["kind"]?.stringValue == "plays" && $0["trigger"]?.stringValue == "import" }, "\(jobs)")
        }
    }
}
