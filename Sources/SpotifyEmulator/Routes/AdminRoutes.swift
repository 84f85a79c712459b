import Foundation
import PlaykeeperJSON
import Vapor

/// The admin API under `/__emulator/`, for tests, benchmarks and the demo. Documented in the README.
struct AdminRoutes {
    let state: EmulatorState

    func register(on app: any RoutesBuilder) {
        let admin = app.grouped("__emulator")
        admin.get("state") { _ in Response.json(await state.dump()) }
        admin.get("library") { _ in
            Response.json(try EmulatorLibrary.encoder().encode(await state.library()))
        }
        admin.put("library") { request in
            try await handle {
                guard let buffer = request.body.data else { throw EmulatorError.badRequest("send a library as JSON") }
                let library: EmulatorLibrary
                do {
                    library = try EmulatorLibrary.decoder().decode(EmulatorLibrary.self, from: Data(buffer.readableBytesView))
                } catch {
                    throw EmulatorError.badRequest("not a library: \(error)")
                }
                await state.replaceLibrary(library)
                return await state.dump()
            }
        }
        admin.post("generate") { request in
            try await handle {
                let body = try request.jsonBody()
                let generator = LibraryGenerator(
                    seed: UInt64(body["seed"]?.intValue ?? 1), playlists: body["playlists"]?.intValue ?? 8,
                    items: body["items"]?.intValue ?? 40, user: body["user"]?.stringValue ?? "demo")
                await state.replaceLibrary(generator.generate())
                return await state.dump()
            }
        }
        admin.post("plays") { request in
            try await handle {
                let body = try request.jsonBody()
                guard let user = body["user"]?.stringValue, let list = body["plays"] else {
                    throw EmulatorError.badRequest("send {\"user\": ID, \"plays\": [{\"uri\", \"played_at\", \"context_uri\"}]}")
                }
                let played: [EmulatorLibrary.Play]
                do {
                    played = try EmulatorLibrary.decoder().decode([EmulatorLibrary.Play].self, from: list)
                } catch {
                    throw EmulatorError.badRequest("not a list of plays: \(error)")
                }
                return ["plays": JSONValue(try await state.play(user: user, played))]
            }
        }
        admin.get("requests") { _ in
            let (requests, counts) = await state.requestLog()
            let lines: [JSONValue] = requests.map {
                ["endpoint": .string($0.endpoint), "status": JSONValue($0.status), "at": .string(SpotifyTime.string($0.at))]
            }
            return Response.json([
                "total": JSONValue(requests.count), "counts": .object(JSONObject(counts.mapValues { JSONValue($0) })),
                "requests": .array(lines),
            ])
        }
        admin.delete("requests") { _ in
            await state.resetRequestLog()
            return Response(status: .noContent)
        }
        admin.get("knobs") { _ in
            Response.json(try EmulatorLibrary.encoder().encode(await state.knobs))
        }
        admin.patch("knobs") { request in
            try await handle {
                guard let patch = try request.jsonBody().objectValue else { throw EmulatorError.badRequest("send a JSON object") }
                let knobs = try await state.updateKnobs(patch.dictionary)
                return try EmulatorLibrary.encoder().encode(knobs)
            }
        }
        admin.get("apps") { _ in
            Response.json(try EmulatorLibrary.encoder().encode(await state.registeredApps().map(AppView.init)))
        }
        admin.put("apps", ":client", "redirect-uris") { request in
            try await handle {
                guard let list = try request.jsonBody()["redirect_uris"]?.arrayValue,
                    case let uris = list.compactMap(\.stringValue), uris.count == list.count
                else { throw EmulatorError.badRequest("send {\"redirect_uris\": [\"https://…\", …]}") }
                let client = request.parameters.get("client") ?? ""
                try await state.setRedirectURIs(clientID: client, uris)
                return ["client_id": .string(client), "redirect_uris": .array(uris.map(JSONValue.string))]
            }
        }
        admin.put("approver") { request in
            try await handle {
                let body = try request.jsonBody()
                try await state.setApprover(user: body["user"]?.stringValue, deny: body["deny"]?.boolValue ?? false)
                return ["user": body["user"] ?? .null, "deny": .bool(body["deny"]?.boolValue ?? false)]
            }
        }
        admin.post("tokens", "expire") { _ in
            await state.expireAccessTokens()
            return Response(status: .noContent)
        }
        admin.post("tokens", "revoke") { request in
            let body = try? request.jsonBody()
            await state.revokeTokens(user: body?["user"]?.stringValue)
            return Response(status: .noContent)
        }
        admin.post("edits") { request in
            try await handle {
                let body = try request.jsonBody()
                let edits = body["edits"]?.arrayValue ?? [body]
                var results: [JSONValue] = []
                for edit in edits { results.append(try await state.applyAppEdit(edit)) }
                return ["results": .array(results)]
            }
        }
        admin.post("clock") { request in
            try await handle {
                guard let seconds = try request.jsonBody()["advance_seconds"]?.doubleValue else {
                    throw EmulatorError.badRequest("send {\"advance_seconds\": N}")
                }
                await state.advanceClock(seconds: seconds)
                return ["advanced": .number(seconds)]
            }
        }
    }

    private func handle(_ body: () async throws -> JSONValue) async throws -> Response {
        do {
            return .json(try await body())
        } catch let error as EmulatorError {
            let status: HTTPResponseStatus
            switch error {
            case .badRequest: status = .badRequest
            case .notFound: status = .notFound
            }
            return .json(
                ["error": ["status": JSONValue(Int(status.code)), "message": .string(error.description)]], status: status)
        } catch let failure as WebAPIFailure {
            return .webAPIError(failure)
        }
    }
}

/// A registered app as the admin API shows it: never its secret.
struct AppView: Encodable {
    var clientID: String
    var redirectURIs: [String]

    init(_ app: EmulatorState.RegisteredApp) {
        clientID = app.clientID
        redirectURIs = app.redirectURIs
    }

    enum CodingKeys: String, CodingKey {
        case clientID = "client_id", redirectURIs = "redirect_uris"
    }
}
