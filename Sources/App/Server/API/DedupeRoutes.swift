import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import SpotifyWebAPI
import Store
import Vapor

/// Duplicate previews (stored as plans), applying them, the journal and undo, and the "not a duplicate" list.
struct DedupeRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("playlists", ":id", "duplicates", use: playlistDuplicates)
        routes.get("duplicates", use: allDuplicates)
        routes.get("duplicates", "across", use: across)
        routes.post("plans", ":id", "apply", use: apply)
        routes.get("journal", use: journal)
        routes.post("journal", ":id", "undo", use: undo)
        routes.get("ignores", use: ignores)
        routes.put("ignores", use: replaceIgnores)
    }

    static func service(_ request: Request) throws -> DedupeService {
        let caller = try request.requireCaller()
        return DedupeService(
            database: request.database, client: request.service.api.client(for: caller.user.spotifyID), user: caller.user)
    }

    static func options(_ request: Request) throws -> (MatchLevel, KeepPolicy) {
        let match = request.query[String.self, at: "match"] ?? "exact"
        let keep = request.query[String.self, at: "keep"] ?? "first"
        guard let level = MatchLevel(rawValue: match) else {
            throw APIError(.badRequest, "'match' is exact, recording or similar, not '\(match)'")
        }
        guard let policy = KeepPolicy(rawValue: keep) else {
            throw APIError(.badRequest, "'keep' is first, oldest, newest, playable or album, not '\(keep)'")
        }
        return (level, policy)
    }

    /// The playlists `duplicates --all` covers: owned and readable, not Playkeeper's own; `liked=true` adds
    /// Liked Songs and `collaborative=true` the collaborative ones.
    static func targets(_ request: Request) async throws -> [PlaylistRecord] {
        let caller = try request.requireCaller()
        return try await DedupeTargets(
            playlist: nil, all: true, collaborative: request.query[Bool.self, at: "collaborative"] ?? false,
            liked: request.query[Bool.self, at: "liked"] ?? false
        ).resolve(user: caller.user, on: request.database)
    }

    func playlistDuplicates(_ request: Request) async throws -> Response {
        let playlist = try await request.callerPlaylist()
        let (level, keep) = try Self.options(request)
        guard playlist.canReadItems else {
            throw APIError(
                .unprocessableEntity, "\(playlist.name) is followed, not yours: Spotify does not let Playkeeper read its items")
        }
        return .json(DedupeViews.preview(try await Self.service(request).preview(playlist, level: level, keep: keep)))
    }

    func allDuplicates(_ request: Request) async throws -> Response {
        let (level, keep) = try Self.options(request)
        let service = try Self.service(request)
        var plans: [JSONValue] = []
        for playlist in try await Self.targets(request) {
            plans.append(DedupeViews.preview(try await service.preview(playlist, level: level, keep: keep)))
        }
        return .json(["plans": .array(plans)])
    }

    func across(_ request: Request) async throws -> Response {
        .json(try await CrossPlaylistReport.make(playlists: try await Self.targets(request), on: request.database).json)
    }

    func apply(_ request: Request) async throws -> Response {
        let planID = try request.uuidParameter("id", "plan")
        let body = try request.jsonBody(emptyIsObject: true)
        var groups: Set<String>?
        if let value = body["groups"] {
            guard let list = value.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                throw APIError(.unprocessableEntity, "'groups' must be a list of group ids from the preview")
            }
            groups = Set(list.compactMap(\.stringValue))
        }
        let service = try Self.service(request)
        let selected = groups
        let journal = try await UserJobs.run(try request.userActions(origin: "the API"), wait: 30) {
            try await service.apply(planID: planID, groups: selected)
        }
        let playlist = try await PlaylistRecord.find(journal.$playlist.id, on: request.database)
        return .json(DedupeViews.journal(journal, playlist: playlist))
    }

    func journal(_ request: Request) async throws -> Response {
        let caller = try request.requireCaller()
        let (limit, offset) = try request.page()
        let query = JournalRecord.query(on: request.database).filter(\.$user.$id == caller.userID)
        let total = try await query.copy().count()
        let entries = try await query.sort(\.$createdAt, .descending).offset(offset).limit(limit).all()
        var views: [JSONValue] = []
        for entry in entries {
            views.append(
                DedupeViews.journal(entry, playlist: try await PlaylistRecord.find(entry.$playlist.id, on: request.database)))
        }
        return .json(MirrorViews.page(views, total: total, limit: limit, offset: offset))
    }

    func undo(_ request: Request) async throws -> Response {
        let journalID = try request.uuidParameter("id", "journal entry")
        let body = try request.jsonBody(emptyIsObject: true)
        if let force = body["force"], force.boolValue == nil {
            throw APIError(.unprocessableEntity, "'force' must be true or false")
        }
        let done = try await Self.undo(journalID, force: body["force"]?.boolValue ?? false, request: request)
        let playlist = try await PlaylistRecord.find(done.$playlist.id, on: request.database)
        return .json(DedupeViews.journal(done, playlist: playlist))
    }

    /// Undoes a journal entry of the caller under their job lease; the API and the page share it.
    static func undo(_ journalID: UUID, force: Bool, request: Request) async throws -> JournalRecord {
        let caller = try request.requireCaller()
        let undo = JournalUndo(
            database: request.database, client: request.service.api.client(for: caller.user.spotifyID), user: caller.user)
        return try await UserJobs.run(try request.userActions(origin: "the API"), wait: 30) {
            try await undo.undo(journalID: journalID, force: force)
        }
    }

    static func pairsView(_ pairs: [IgnoredPair]) -> JSONValue {
        ["pairs": .array(pairs.map { [.string($0.first), .string($0.second)] })]
    }

    func ignores(_ request: Request) async throws -> Response {
        let caller = try request.requireCaller()
        return .json(Self.pairsView(try await IgnoreList(database: request.database, user: caller.user).pairs()))
    }

    func replaceIgnores(_ request: Request) async throws -> Response {
        let caller = try request.requireCaller()
        let body = try request.jsonBody()
        guard let list = body["pairs"]?.arrayValue else {
            throw APIError(.unprocessableEntity, "the body must be {\"pairs\": [[URI, URI], ...]}")
        }
        var pairs: [IgnoredPair] = []
        for item in list {
            guard let uris = item.arrayValue?.compactMap(\.stringValue), uris.count == 2, uris[0] != uris[1],
                uris.allSatisfy({ $0.hasPrefix("spotify:") })
            else {
                throw APIError(
                    .unprocessableEntity,
                    "each pair is two different Spotify URIs, like [\"spotify:track:…\", \"spotify:track:…\"]")
            }
            pairs.append(IgnoredPair(uris[0], uris[1]))
        }
        let ignores = IgnoreList(database: request.database, user: caller.user)
        try await ignores.replace(with: pairs)
        return .json(Self.pairsView(try await ignores.pairs()))
    }
}
