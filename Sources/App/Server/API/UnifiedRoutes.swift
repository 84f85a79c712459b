import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import SpotifyWebAPI
import Store
import Vapor

/// The unified playlist: its settings and state with a preview, changing the settings, and an update job.
struct UnifiedRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("unified", use: show)
        routes.put("unified", use: configure)
        routes.post("unified", "update", use: update)
    }

    static func service(_ request: Request) throws -> UnifiedService {
        let caller = try request.requireCaller()
        return request.service.mirror.unified(for: caller.user, api: request.service.api)
    }

    static func settingsView(_ settings: UnifiedSettings) throws -> JSONValue { try JSONValue(encoding: settings) }

    /// Settings, shards and a preview computed from the mirror.
    static func view(_ request: Request) async throws -> JSONValue {
        let preview = try await service(request).update(preview: true)
        let shards: [JSONValue] = preview.shards.filter { !$0.create }.map { shard in
            [
                "index": JSONValue(shard.index), "id": JSONValue(shard.spotifyID), "name": .string(shard.name),
                "entries": JSONValue(shard.entries),
            ]
        }
        return [
            "settings": try settingsView(preview.settings), "shards": .array(shards),
            "updated_at": MirrorViews.date(preview.lastUpdatedAt), "preview": try UnifiedViews.json(preview),
        ]
    }

    func show(_ request: Request) async throws -> Response { .json(try await Self.view(request)) }

    func configure(_ request: Request) async throws -> Response {
        let body = try request.jsonBody()
        let caller = try request.requireCaller()
        let known = Set(
            try await PlaylistRecord.query(on: request.database).filter(\.$user.$id == caller.userID).filter(\.$isLiked == false)
                .all().map(\.spotifyID))
        let allowed: Set<String> = [
            "name", "include", "exclude", "liked", "include_episodes", "match", "propagate_removals", "app_edits", "public",
            "automatic",
        ]
        guard case .object(let members) = body else { throw APIError(.badRequest, "the body must be a JSON object") }
        if let unknown = members.keys.first(where: { !allowed.contains($0) }) {
            throw APIError(.unprocessableEntity, "'\(unknown)' is not a unified playlist setting")
        }
        func bool(_ key: String) throws -> Bool? {
            guard let value = body[key] else { return nil }
            guard let flag = value.boolValue else { throw APIError(.unprocessableEntity, "'\(key)' must be true or false") }
            return flag
        }
        func ids(_ key: String) throws -> [String]? {
            guard let value = body[key] else { return nil }
            guard let list = value.arrayValue?.compactMap(\.stringValue), list.count == value.arrayValue?.count else {
                throw APIError(.unprocessableEntity, "'\(key)' must be a list of playlist ids")
            }
            if let missing = list.first(where: { !known.contains($0) }) {
                throw APIError(.unprocessableEntity, "'\(key)' names \(missing), which is not one of your playlists")
            }
            return list
        }
        let name = try body["name"].map { value -> String in
            guard let text = value.stringValue.flatMap(DisplayName.checked) else {
                throw APIError(.unprocessableEntity, "'name' must be \(DisplayName.rule)")
            }
            return text
        }
        let match = try body["match"].map { value -> MatchLevel in
            guard let level = value.stringValue.flatMap(MatchLevel.init(rawValue:)) else {
                throw APIError(.unprocessableEntity, "'match' is exact, recording or similar")
            }
            return level
        }
        let appEdits = try body["app_edits"].map { value -> UnifiedSettings.AppEdits in
            guard let policy = value.stringValue.flatMap(UnifiedSettings.AppEdits.init(rawValue:)) else {
                throw APIError(.unprocessableEntity, "'app_edits' is keep or restore")
            }
            return policy
        }
        let include = try ids("include")
        let exclude = try ids("exclude")
        let liked = try bool("liked")
        let episodes = try bool("include_episodes")
        let propagate = try bool("propagate_removals")
        let isPublic = try bool("public")
        let automatic = try bool("automatic")
        try await Self.service(request).configure { settings in
            if let name { settings.name = name }
            if let include { settings.include = include }
            if let exclude { settings.exclude = exclude }
            if let liked { settings.liked = liked }
            if let episodes { settings.includeEpisodes = episodes }
            if let match { settings.match = match }
            if let propagate { settings.propagateRemovals = propagate }
            if let appEdits { settings.appEdits = appEdits }
            if let isPublic { settings.isPublic = isPublic }
            if let automatic { settings.automatic = automatic }
        }
        return .json(try await Self.view(request))
    }

    func update(_ request: Request) async throws -> Response {
        let caller = try request.requireCaller()
        let job = try await request.service.scheduler.enqueue(user: caller.user, kind: .unify, trigger: "api")
        return JobRoutes.accepted(job)
    }
}
