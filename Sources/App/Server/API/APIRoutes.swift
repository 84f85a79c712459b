import Fluent
import FluentKit
import Foundation
import Library
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
        try api.register(collection: HistoryRoutes())
        try api.register(collection: StatsRoutes())
        try api.register(collection: SmartRoutes())
    }
}

/// Answers 401 to a request without a session or an API token.
struct RequireCaller: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        do {
            _ = try request.requireCaller()
        } catch {
            return request.eventLoop.makeFailedFuture(error)
        }
        return next.respond(to: request)
    }
}

extension Request {
    /// The store, through the connections of the event loop this request came in on: reads of different requests
    /// run side by side (the mirror's one `Database` is bound to one event loop, and so to one connection).
    var database: any Database { db }

    /// The caller's playlist named by the `id` path parameter (a Spotify id, or `liked`); anyone else's is a 404.
    func callerPlaylist() async throws -> PlaylistRecord {
        let caller = try requireCaller()
        let id = parameters.get("id") ?? ""
        guard
            let playlist = try await PlaylistRecord.query(on: database).filter(\.$user.$id == caller.userID)
                .filter(\.$spotifyID == id).first()
        else { throw PlaykeeperError.notFound("playlist \(id)") }
        return playlist
    }

    /// A UUID path parameter; anything else is a 404 (the object cannot exist).
    func uuidParameter(_ name: String, _ what: String) throws -> UUID {
        let text = parameters.get(name) ?? ""
        guard let id = UUID(uuidString: text) else { throw PlaykeeperError.notFound("\(what) \(text)") }
        return id
    }

    /// The largest `offset` a page accepts: far past any library, and small enough that no arithmetic on it
    /// can overflow.
    static let maximumOffset = 10_000_000

    /// `limit` (1-200, default 50) and `offset` (0 to `maximumOffset`) from the query.
    func page(defaultLimit: Int = 50) throws -> (limit: Int, offset: Int) {
        let limit = try integer("limit", in: 1...200) ?? defaultLimit
        let offset = try integer("offset", in: 0...Self.maximumOffset) ?? 0
        return (limit, offset)
    }

    /// An integer from the query, checked against `range`: anything else (a fraction, `1e309`, `NaN`, a number
    /// past 64 bits, a value out of range) is a 400 that names the parameter and its range.
    func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = queryText(name) else { return nil }
        guard let value = NumericInput.integer(text, in: range) else {
            throw PlaykeeperError(.malformed, NumericInput.rangeMessage("'\(name)'", range, given: text))
        }
        return value
    }

    /// The text of the query parameter `name`, as Vapor's query decoder reads it (the last one given wins, `+` is
    /// a space, `%XX` an escape) without its `Decodable` machinery: for a page of 50 playlists it parsed the whole
    /// query twice and cost as much as the SQL. A value that is not valid percent-encoding is kept as sent, so
    /// that the caller's check names it.
    func queryText(_ name: String) -> String? {
        guard let query = url.query, !query.isEmpty else { return nil }
        func decoded(_ text: Substring) -> String? {
            guard text.contains(where: { $0 == "%" || $0 == "+" }) else { return String(text) }
            return text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        var found: Substring?
        for pair in query.split(separator: "&") {
            let equals = pair.firstIndex(of: "=")
            guard decoded(pair[..<(equals ?? pair.endIndex)]) == name else { continue }
            found = equals.map { pair[pair.index(after: $0)...] } ?? ""
        }
        return found.map { decoded($0) ?? String($0) }
    }

    /// The body as JSON; an empty body is `{}` when `emptyIsObject`.
    func jsonBody(emptyIsObject: Bool = false) throws -> JSONValue {
        guard let buffer = body.data, buffer.readableBytes > 0 else {
            if emptyIsObject { return [:] }
            throw PlaykeeperError(.malformed, "this route takes a JSON body")
        }
        let value = try JSONValue(parsing: Data(buffer.readableBytesView))
        guard case .object = value else { throw PlaykeeperError(.malformed, "the body must be a JSON object") }
        return value
    }
}
