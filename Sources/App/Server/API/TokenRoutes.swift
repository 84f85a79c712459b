import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import Store
import Vapor

/// Personal API tokens: listed without their secret, shown once when created, revocable.
struct TokenRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("tokens", use: list)
        routes.post("tokens", use: create)
        routes.delete("tokens", ":id", use: revoke)
    }

    static func view(_ token: APITokenRecord) -> JSONValue {
        [
            "id": .string(token.id?.uuidString ?? ""), "name": .string(token.name), "prefix": .string(token.prefix),
            "created_at": MirrorViews.date(token.createdAt), "last_used_at": MirrorViews.date(token.lastUsedAt),
        ]
    }

    static func tokens(of caller: Caller, on database: any Database) async throws -> [APITokenRecord] {
        try await APITokenRecord.query(on: database).filter(\.$user.$id == caller.userID).sort(\.$createdAt).all()
    }

    /// Makes a token for `name`; the secret is returned once and only its digest is kept.
    static func issue(name: String, for caller: Caller, on database: any Database, now: Date) async throws
        -> (record: APITokenRecord, secret: String)
    {
        guard let trimmed = DisplayName.checked(name) else {
            throw PlaykeeperError(
                .invalid, "a token needs a name of \(DisplayName.rule), like \"backup script\"")
        }
        let secret = Secrets.tokenPrefix + Secrets.random()
        let record = APITokenRecord()
        record.$user.id = caller.userID
        record.name = trimmed
        record.tokenHash = Secrets.digest(secret)
        record.prefix = String(secret.prefix(Secrets.tokenPrefix.count + 6))
        record.createdAt = now
        try await record.create(on: database)
        return (record, secret)
    }

    func list(_ request: Request) async throws -> Response {
        let caller = try request.requireCaller()
        return .json(["items": .array(try await Self.tokens(of: caller, on: request.database).map(Self.view))])
    }

    func create(_ request: Request) async throws -> Response {
        let caller = try request.requireCaller()
        let name = try request.body(NewTokenBody.self).name
        let (record, secret) = try await Self.issue(name: name, for: caller, on: request.database, now: request.service.now())
        return .json(Self.view(record).merging(["token": .string(secret)]), status: .created)
    }

    func revoke(_ request: Request) async throws -> Response {
        _ = try await Self.revoke(request)
        return Response(status: .noContent)
    }

    /// Deletes the caller's token named by the `id` path parameter (anyone else's is a 404) and forgets it at once.
    static func revoke(_ request: Request) async throws -> APITokenRecord {
        let caller = try request.requireCaller()
        let id = try request.uuidParameter("id", "token")
        guard
            let token = try await APITokenRecord.query(on: request.database).filter(\.$id == id)
                .filter(\.$user.$id == caller.userID).first()
        else { throw PlaykeeperError.notFound("token \(id)") }
        try await token.delete(on: request.database)
        request.service.callers.forget(tokenID: id)
        return token
    }
}

/// `POST /api/v1/tokens`: what the token is for.
struct NewTokenBody: RequestBody {
    var name: String
}
