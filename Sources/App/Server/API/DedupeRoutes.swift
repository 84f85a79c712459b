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

    static func options(_ request: Request) throws -> (MatchLevel, KeepPolicy) {
        let match = request.query[String.self, at: "match"] ?? "exact"
        let keep = request.query[String.self, at: "keep"] ?? "first"
        let level = try SettingParsers.match(match, field: "'match'", kind: .malformed)
        let policy = try SettingParsers.keep(keep, field: "'keep'", kind: .malformed)
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
            throw PlaykeeperError(
                .invalid, "\(playlist.name) is followed, not yours: Spotify does not let Playkeeper read its items")
        }
        let previews = try await request.userActions(origin: "the API").preview(
            wait: 30, syncFirst: false, level: level, keep: keep, targets: { [playlist] })
        guard let preview = previews.first else { throw PlaykeeperError.notFound("playlist \(playlist.spotifyID)") }
        return .json(DedupeViews.preview(preview))
    }

    func allDuplicates(_ request: Request) async throws -> Response {
        let (level, keep) = try Self.options(request)
        let previews = try await request.userActions(origin: "the API").preview(
            wait: 30, syncFirst: false, level: level, keep: keep, targets: { try await Self.targets(request) })
        return .json(["plans": .array(previews.map(DedupeViews.preview))])
    }

    func across(_ request: Request) async throws -> Response {
        try await request.userActions(origin: "the API").settle(wait: 30)
        return .json(try await CrossPlaylistReport.make(playlists: try await Self.targets(request), on: request.database).json)
    }

    func apply(_ request: Request) async throws -> Response {
        let planID = try request.uuidParameter("id", "plan")
        let groups = try request.body(ApplyBody.self, emptyIsObject: true).groups.map(Set.init)
        let journal = try await request.userActions(origin: "the API").apply(planID: planID, groups: groups, wait: 30)
        let playlist = try await PlaylistRecord.find(journal.$playlist.id, on: request.database)
        return .json(DedupeViews.journal(journal, playlist: playlist))
    }

    func journal(_ request: Request) async throws -> Response {
        let caller = try request.requireCaller()
        let (limit, offset) = try request.page()
        let query = JournalRecord.query(on: request.database).filter(\.$user.$id == caller.userID)
        let total = try await query.copy().count()
        let entries = try await query.sort(\.$createdAt, .descending).offset(offset).limit(limit).with(\.$playlist).all()
        let views = entries.map { DedupeViews.journal($0, playlist: $0.playlist) }
        return .json(MirrorViews.page(views, total: total, limit: limit, offset: offset))
    }

    func undo(_ request: Request) async throws -> Response {
        let journalID = try request.uuidParameter("id", "journal entry")
        let force = try request.body(UndoBody.self, emptyIsObject: true).force ?? false
        let done = try await Self.undo(journalID, force: force, request: request, origin: "the API")
        let playlist = try await PlaylistRecord.find(done.$playlist.id, on: request.database)
        return .json(DedupeViews.journal(done, playlist: playlist))
    }

    /// Undoes a journal entry of the caller through the entry point; the API and the page share it.
    static func undo(_ journalID: UUID, force: Bool, request: Request, origin: String) async throws -> JournalRecord {
        try await request.userActions(origin: origin).undo(journalID: journalID, force: force, wait: 30)
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
        var pairs: [IgnoredPair] = []
        for uris in try request.body(IgnoresBody.self).pairs {
            guard uris.count == 2, uris[0] != uris[1], uris.allSatisfy({ $0.hasPrefix("spotify:") }) else {
                throw PlaykeeperError(
                    .invalid,
                    "each pair is two different Spotify URIs, like [\"spotify:track:…\", \"spotify:track:…\"]")
            }
            pairs.append(IgnoredPair(uris[0], uris[1]))
        }
        let ignores = IgnoreList(database: request.database, user: caller.user)
        try await ignores.replace(with: pairs)
        return .json(Self.pairsView(try await ignores.pairs()))
    }
}

/// `POST /api/v1/plans/{id}/apply`: the groups of the preview to apply (all when absent).
struct ApplyBody: RequestBody {
    var groups: [String]?
}

/// `POST /api/v1/journal/{id}/undo`: restore although the playlist changed since.
struct UndoBody: RequestBody {
    var force: Bool?
}

/// `PUT /api/v1/ignores`: the whole "not a duplicate" list.
struct IgnoresBody: RequestBody {
    var pairs: [[String]]
}
