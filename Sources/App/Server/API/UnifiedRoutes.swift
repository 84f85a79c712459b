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

    /// The body of `PUT /api/v1/unified`: any of the settings, spelled as the API spells them.
    struct SettingsBody: RequestBody {
        var name: String?
        var include: [String]?
        var exclude: [String]?
        var liked: Bool?
        var includeEpisodes: Bool?
        var match: String?
        var propagateRemovals: Bool?
        var appEdits: String?
        var isPublic: Bool?
        var automatic: Bool?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, include, exclude, liked, match, automatic
            case includeEpisodes = "include_episodes", propagateRemovals = "propagate_removals", appEdits = "app_edits"
            case isPublic = "public"
        }

        static var fields: [String]? { CodingKeys.allCases.map(\.rawValue) }

        func change() throws -> UnifiedSettingsChange {
            var change = UnifiedSettingsChange()
            change.name = try name.map { try SettingParsers.playlistName($0, field: "'name'") }
            change.include = include
            change.exclude = exclude
            change.liked = liked
            change.includeEpisodes = includeEpisodes
            change.match = try match.map { try SettingParsers.match($0, field: "'match'") }
            change.propagateRemovals = propagateRemovals
            change.appEdits = try appEdits.map { try SettingParsers.appEdits($0, field: "'app_edits'") }
            change.isPublic = isPublic
            change.automatic = automatic
            return change
        }
    }

    func configure(_ request: Request) async throws -> Response {
        let change = try request.body(SettingsBody.self).change()
        let caller = try request.requireCaller()
        let known = Set(
            try await PlaylistRecord.query(on: request.database).filter(\.$user.$id == caller.userID).filter(\.$isLiked == false)
                .all().map(\.spotifyID))
        try change.checkSources(known: known) { "'\($0)'" }
        try await Self.service(request).configure { change.apply(to: &$0) }
        return .json(try await Self.view(request))
    }

    func update(_ request: Request) async throws -> Response {
        let caller = try request.requireCaller()
        let job = try await request.service.scheduler.enqueue(user: caller.user, kind: .unify, trigger: "api")
        return JobRoutes.accepted(job)
    }
}
