import Foundation
import PlaykeeperJSON
import Vapor

/// The Web API under `/v1`, as Development Mode apps see it in 2026.
struct WebAPIRoutes {
    let state: EmulatorState

    func register(on app: any RoutesBuilder) {
        let v1 = app.grouped(WebAPIGate(state: state)).grouped("v1")

        v1.get("me") { request in try await respond(request) { grant, _ in try await state.me(grant) } }
        v1.get("me", "playlists") { request in
            try await respond(request) { grant, query in try await state.myPlaylists(grant, query: query) }
        }
        v1.post("me", "playlists") { request in
            let body = try request.jsonBody()
            return try await respond(request, status: .created) { grant, _ in try await state.createPlaylist(grant, body: body) }
        }
        v1.get("playlists", ":id") { request in
            try await respondWithBody(request) { grant, query in
                try await state.playlist(grant, id: try id(request), query: query)
            }
        }
        v1.put("playlists", ":id") { request in
            try await respond(request) { grant, _ in
                try await state.changeDetails(grant, id: try id(request), body: try request.jsonBody())
                return .null
            }
        }
        v1.get("playlists", ":id", "items") { request in
            try await respondWithBody(request) { grant, query in
                try await state.playlistItems(grant, id: try id(request), query: query, legacyPath: false)
            }
        }
        v1.post("playlists", ":id", "items") { request in
            try await respond(request, status: .created) { grant, query in
                let (uris, position) = try Self.addedItems(body: try request.jsonBody(), query: query)
                return try await state.addItems(grant, id: try id(request), uris: uris, position: position)
            }
        }
        v1.put("playlists", ":id", "items") { request in
            try await respond(request) { grant, query in
                let body = try request.jsonBody()
                if body["range_start"] != nil {
                    return try await state.reorderItems(grant, id: try id(request), body: body)
                }
                // A replace takes its URIs in the forms an add does; `[]` clears the playlist, nothing at all is refused.
                guard body.arrayValue != nil || body["uris"] != nil || query["uris"] != nil else {
                    throw WebAPIFailure.badRequest("No uris provided")
                }
                let (uris, _) = try Self.addedItems(body: body, query: query)
                return try await state.replaceItems(grant, id: try id(request), uris: uris)
            }
        }
        v1.delete("playlists", ":id", "items") { request in
            try await respond(request) { grant, _ in
                try await state.removeItems(grant, id: try id(request), body: try request.jsonBody())
            }
        }
        v1.get("me", "tracks") { request in
            try await respondWithBody(request) { grant, query in try await state.savedTracks(grant, query: query) }
        }
        v1.put("me", "library") { request in
            try await respond(request) { grant, query in
                try await state.saveToLibrary(grant, uris: query["uris"])
                return .null
            }
        }
        v1.delete("me", "library") { request in
            try await respond(request) { grant, query in
                try await state.removeFromLibrary(grant, uris: query["uris"])
                return .null
            }
        }
        v1.get("me", "library", "contains") { request in
            try await respond(request) { grant, query in try await state.libraryContains(grant, uris: query["uris"]) }
        }
        v1.put("playlists", ":id", "followers") { request in
            try await respond(request) { grant, _ in
                try await state.followPlaylist(grant, id: try id(request), body: try request.jsonBody())
                return .null
            }
        }
        v1.delete("playlists", ":id", "followers") { request in
            try await respond(request) { grant, _ in
                try await state.unfollowPlaylist(grant, id: try id(request))
                return .null
            }
        }
        v1.get("playlists", ":id", "followers", "contains") { request in
            try await respond(request) { grant, query in
                try await state.followsPlaylist(grant, id: try id(request), ids: query["ids"])
            }
        }
        v1.get("me", "player", "recently-played") { request in
            try await respond(request) { grant, query in try await state.recentlyPlayed(grant, query: query) }
        }

        // Paths Development Mode refuses since February 2026. In extended mode the legacy reads still work.
        for method in [HTTPMethod.GET, .POST, .PUT, .DELETE] {
            v1.on(method, "playlists", ":id", "tracks") { request in
                guard await state.knobs.extendedMode, method == .GET else { throw WebAPIFailure.developmentMode }
                return try await respondWithBody(request) { grant, query in
                    try await state.playlistItems(grant, id: try id(request), query: query, legacyPath: true)
                }
            }
        }
        let refused: [(HTTPMethod, [PathComponent])] = [
            (.GET, ["users", ":id", "playlists"]), (.POST, ["users", ":id", "playlists"]), (.GET, ["users", ":id"]),
            (.GET, ["tracks"]), (.PUT, ["me", "tracks"]), (.DELETE, ["me", "tracks"]),
        ]
        for (method, path) in refused {
            v1.on(method, path) { _ -> Response in throw WebAPIFailure.developmentMode }
        }
        for method in [HTTPMethod.GET, .POST, .PUT, .DELETE, .PATCH] {
            v1.on(method, "**") { _ -> Response in throw WebAPIFailure(status: 404, message: "Service not found") }
        }
    }

    /// Authenticates, runs the operation and wraps its JSON. Token problems are 401s, checked first.
    private func respond(
        _ request: Request, status: HTTPResponseStatus = .ok,
        _ operation: @Sendable (AccessGrant, [String: String]) async throws -> JSONValue
    ) async throws -> Response {
        try await respondWithBody(request, status: status) { grant, query in JSONBody(value: try await operation(grant, query)) }
    }

    /// `respond` for an operation whose body holds kept text (see `JSONBody`).
    private func respondWithBody(
        _ request: Request, status: HTTPResponseStatus = .ok,
        _ operation: @Sendable (AccessGrant, [String: String]) async throws -> JSONBody
    ) async throws -> Response {
        guard let grant = await state.grant(forBearer: request.headers.first(name: .authorization)) else {
            throw WebAPIFailure.unauthorized
        }
        let body = try await operation(grant, request.queryDictionary)
        if body.value.isNull { return Response(status: status) }
        return .json(body, status: status)
    }

    private func id(_ request: Request) throws -> String {
        guard let id = request.parameters.get("id"), !id.isEmpty else { throw WebAPIFailure.notFound }
        return id
    }

    static func uriList(_ text: String?) -> [String] { EmulatorState.commaList(text ?? "") }

    /// What `POST /playlists/{id}/items` adds, in every form Spotify takes: a body `{"uris": [...], "position": n}`,
    /// a bare array of URIs (spotipy's form), or the `uris` parameter; `position` from the body or the parameter.
    static func addedItems(body: JSONValue, query: [String: String]) throws -> (uris: [String], position: Int?) {
        var position: Int?
        if let text = query["position"] {
            guard let value = Int(text) else { throw WebAPIFailure.badRequest("Invalid position") }
            position = value
        }
        let listed: [JSONValue]?
        switch body {
        case .array(let items): listed = items
        case .object:
            if let value = body["position"] {
                guard let number = value.intValue else { throw WebAPIFailure.badRequest("Invalid position") }
                position = number
            }
            if let value = body["uris"], value.arrayValue == nil { throw WebAPIFailure.badRequest("Invalid uris") }
            listed = body["uris"]?.arrayValue
        case .null: listed = nil
        default: throw WebAPIFailure.badRequest("Error parsing JSON.")
        }
        guard let listed else { return (uriList(query["uris"]), position) }
        let uris = listed.compactMap(\.stringValue)
        guard uris.count == listed.count else { throw WebAPIFailure.badRequest("Invalid uris") }
        return (uris, position)
    }
}
