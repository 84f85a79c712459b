import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import Store
import Vapor

/// The caller, their mirrored playlists, entries and history, and the export.
struct LibraryRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("me", use: me)
        routes.get("playlists", use: playlists)
        routes.get("playlists", ":id", use: playlist)
        routes.get("playlists", ":id", "entries", use: entries)
        routes.get("playlists", ":id", "history", use: history)
        routes.get("export", use: export)
    }

    static func me(_ user: UserRecord, now: Date) -> JSONValue {
        let expiry = LoginExpiry(user, now: now)
        return [
            "id": .string(user.spotifyID), "display_name": JSONValue(user.displayName), "account_id": JSONValue(user.accountID),
            "authorized_at": MirrorViews.date(user.authorizedAt), "login_expires_at": MirrorViews.date(expiry.expiresAt),
            "login_ending_soon": .bool(expiry.endingSoon), "needs_login": .bool(expiry.needsLogin),
        ]
    }

    func me(_ request: Request) async throws -> Response {
        .json(Self.me(try request.requireCaller().user, now: request.service.now()))
    }

    func playlists(_ request: Request) async throws -> Response {
        let caller = try request.requireCaller()
        let (limit, offset) = try request.page()
        let (rows, total) = try await PlaylistSummary.page(
            user: caller.userID, limit: limit, offset: offset, on: request.database)
        return .json(bytes: MirrorViews.playlistPage(rows, total: total, limit: limit, offset: offset))
    }

    func playlist(_ request: Request) async throws -> Response {
        let playlist = try await request.callerPlaylist()
        return .json(MirrorViews.playlist(playlist))
    }

    func entries(_ request: Request) async throws -> Response {
        let playlist = try await request.callerPlaylist()
        let (limit, offset) = try request.page(defaultLimit: 100)
        let query = try EntryRecord.query(on: request.database).filter(\.$playlist.$id == playlist.requireID())
        let total = try await query.copy().count()
        let records = try await query.sort(\.$position).offset(offset).limit(limit).all()
        let catalog = try await CatalogItemRecord.lookup(Array(Set(records.compactMap(\.uri))), on: request.database)
        let items: [JSONValue] = records.map { record in
            let known = record.uri.flatMap { catalog[$0] }
            return MirrorViews.entry(record).merging([
                "name": JSONValue(known?.name), "artists": JSONValue(known?.artists), "album": JSONValue(known?.album),
                "duration_ms": JSONValue(known?.durationMS), "isrc": JSONValue(known?.isrc),
            ])
        }
        return .json(MirrorViews.page(items, total: total, limit: limit, offset: offset))
    }

    func history(_ request: Request) async throws -> Response {
        let playlist = try await request.callerPlaylist()
        let versions = try await PlaylistVersionRecord.query(on: request.database).filter(\.$playlist.$id == playlist.requireID())
            .sort(\.$seenAt, .descending).all()
        return .json(["playlist": MirrorViews.playlist(playlist), "versions": .array(versions.map(MirrorViews.version))])
    }

    func export(_ request: Request) async throws -> Response {
        let caller = try request.requireCaller()
        let format = request.query[String.self, at: "format"] ?? "json"
        guard ["csv", "json"].contains(format) else {
            throw PlaykeeperError(.malformed, "'format' is csv or json, not '\(format)'")
        }
        let export = try await request.userActions(origin: "the API").export(wait: 30)
        if format == "json" { return .json(export.json(user: caller.user, exportedAt: request.service.now())) }
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/csv; charset=utf-8")
        headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"playkeeper-\(caller.user.spotifyID).csv\"")
        return Response(status: .ok, headers: headers, body: .init(string: export.csv()))
    }
}
