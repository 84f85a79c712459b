import FluentKit
import Foundation
import PlaykeeperJSON
import Store
import Vapor

/// `/api/v1`: every operation of the CLI, for the caller's own data only.
struct APIRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let api = routes.grouped("api", "v1").grouped(RequireCaller())
        try api.register(collection: LibraryRoutes())
        try api.register(collection: DedupeRoutes())
        try api.register(collection: UnifiedRoutes())
        try api.register(collection: JobRoutes())
        try api.register(collection: TokenRoutes())
    }
}

/// Answers 401 to a request without a session or an API token.
struct RequireCaller: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        _ = try request.requireCaller()
        return try await next.respond(to: request)
    }
}

extension Request {
    var database: any Database { service.mirror.database }

    /// The caller's playlist named by the `id` path parameter (a Spotify id, or `liked`); anyone else's is a 404.
    func callerPlaylist() async throws -> PlaylistRecord {
        let caller = try requireCaller()
        let id = parameters.get("id") ?? ""
        guard
            let playlist = try await PlaylistRecord.query(on: database).filter(\.$user.$id == caller.userID)
                .filter(\.$spotifyID == id).first()
        else { throw APIError.notFound("playlist \(id)") }
        return playlist
    }

    /// A UUID path parameter; anything else is a 404 (the object cannot exist).
    func uuidParameter(_ name: String, _ what: String) throws -> UUID {
        let text = parameters.get(name) ?? ""
        guard let id = UUID(uuidString: text) else { throw APIError.notFound("\(what) \(text)") }
        return id
    }

    /// `limit` (1-200, default 50) and `offset` (0 or more) from the query.
    func page(defaultLimit: Int = 50) throws -> (limit: Int, offset: Int) {
        func number(_ name: String) throws -> Int? {
            guard let text = query[String.self, at: name] else { return nil }
            guard let value = Int(text) else { throw APIError(.badRequest, "'\(name)' must be a whole number, not '\(text)'") }
            return value
        }
        let limit = try number("limit") ?? defaultLimit
        let offset = try number("offset") ?? 0
        guard (1...200).contains(limit) else { throw APIError(.badRequest, "'limit' must be between 1 and 200") }
        guard offset >= 0 else { throw APIError(.badRequest, "'offset' must not be negative") }
        return (limit, offset)
    }

    /// The body as JSON; an empty body is `{}` when `emptyIsObject`.
    func jsonBody(emptyIsObject: Bool = false) throws -> JSONValue {
        guard let buffer = body.data, buffer.readableBytes > 0 else {
            if emptyIsObject { return [:] }
            throw APIError(.badRequest, "this route takes a JSON body")
        }
        let value = try JSONValue(parsing: Data(buffer.readableBytesView))
        guard case .object = value else { throw APIError(.badRequest, "the body must be a JSON object") }
        return value
    }
}
