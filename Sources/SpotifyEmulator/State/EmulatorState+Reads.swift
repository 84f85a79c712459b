import Foundation
import PlaykeeperJSON

/// The Web API's reads.
extension EmulatorState {
    /// The authenticated user behind a grant; client-credential tokens act for nobody.
    func requireUser(_ grant: AccessGrant) throws -> String {
        guard let user = grant.user, users[user] != nil else {
            throw WebAPIFailure(status: 401, message: "Only valid bearer authentication supported")
        }
        return user
    }

    func requireScope(_ grant: AccessGrant, _ scope: String) throws {
        guard grant.scopes.contains(scope) else { throw WebAPIFailure.insufficientScope }
    }

    /// `market`, where an endpoint takes one: an ISO 3166-1 alpha-2 code or `from_token`.
    func requireValidMarket(_ query: [String: String]) throws {
        guard let market = query["market"] else { return }
        let isCode = market.utf8.count == 2 && market.utf8.allSatisfy { (65...90).contains($0) }
        guard isCode || market == "from_token" else { throw WebAPIFailure.badRequest("Invalid market code") }
    }

    /// Reads `limit` (1–`maximum`, default 20) and `offset` (0–`maximumOffset`), with Spotify's 400s for bad values.
    func paging(_ query: [String: String], maximum: Int, maximumOffset: Int = .max) throws -> (limit: Int, offset: Int) {
        let limit: Int
        if let text = query["limit"] {
            guard let value = Int(text), (1...maximum).contains(value) else { throw WebAPIFailure.badRequest("Invalid limit") }
            limit = value
        } else {
            limit = 20
        }
        let offset: Int
        if let text = query["offset"] {
            guard let value = Int(text), (0...maximumOffset).contains(value) else {
                throw WebAPIFailure.badRequest("Invalid offset")
            }
            offset = value
        } else {
            offset = 0
        }
        return (limit, offset)
    }

    func me(_ grant: AccessGrant) throws -> JSONValue {
        let id = try requireUser(grant)
        let user = users[id]!
        guard user.allowListed else {
            throw WebAPIFailure(status: 403, message: "User not registered in the Developer Dashboard")
        }
        // Since 2026 `email`, `country`, `product` and `followers` are deprecated; `account_id` identifies the user.
        var object: JSONObject = [
            "account_id": .string(user.accountID), "display_name": .string(user.displayName),
            "external_urls": externalURLs("user", id), "href": .string(apiURL("/users/\(id)")), "id": .string(id),
            "images": [], "type": "user", "uri": .string("spotify:user:\(id)"),
        ]
        if knobs.extendedMode {
            object["country"] = .string(user.country)
            object["product"] = "premium"
        }
        return .object(object)
    }

    func myPlaylists(_ grant: AccessGrant, query: [String: String]) throws -> JSONValue {
        let user = try requireUser(grant)
        try requireScope(grant, "playlist-read-private")
        // The documented maximum offset of `/me/playlists` is 100,000.
        let (limit, offset) = try paging(query, maximum: 50, maximumOffset: 100_000)
        let ids = (follows[user] ?? []).filter { playlists[$0] != nil }
        let options = RenderOptions(query: query, extended: knobs.extendedMode)
        let window = ids.dropFirst(offset).prefix(limit).map {
            playlistObject(playlists[$0]!, for: user, full: false, options: options)
        }
        // Real /me/playlists pages link to /v1/users/{id}/playlists, which Development Mode refuses.
        return pageObject(
            items: Array(window), total: ids.count, limit: limit, offset: offset, path: "/users/\(user)/playlists",
            extraQuery: [])
    }

    /// Looks a playlist up for `user`: editorial playlists answer 404, private ones need the right scope.
    func visiblePlaylist(_ id: String) throws -> StoredPlaylist {
        guard let stored = playlists[id], !stored.playlist.editorial else { throw WebAPIFailure.notFound }
        return stored
    }

    func playlist(_ grant: AccessGrant, id: String, query: [String: String]) throws -> JSONBody {
        let user = try requireUser(grant)
        try requireValidMarket(query)
        let stored = try visiblePlaylist(id)
        let options = RenderOptions(query: query, extended: knobs.extendedMode)
        // Items go in as kept text, unless `fields` has to filter inside them.
        var fragments: [String: [UInt8]]? = query["fields"] == nil ? [:] : nil
        let object = playlistObject(stored, for: user, full: true, options: options, fragments: &fragments)
        return JSONBody(value: try FieldsFilter.apply(query["fields"], to: object), fragments: fragments ?? [:])
    }

    func playlistItems(_ grant: AccessGrant, id: String, query: [String: String], legacyPath: Bool) throws -> JSONBody {
        let user = try requireUser(grant)
        let stored = try visiblePlaylist(id)
        guard canRead(stored, user: user) else { throw WebAPIFailure.forbidden }
        try requireValidMarket(query)
        let (limit, offset) = try paging(query, maximum: legacyPath ? 100 : 50)
        let options = RenderOptions(query: query, extended: knobs.extendedMode, legacyTracksPath: legacyPath)
        let entries = stored.playlist.entries
        var fragments: [String: [UInt8]]? = query["fields"] == nil ? [:] : nil
        let window = entryObjects(entries.dropFirst(offset).prefix(limit), options: options, fragments: &fragments)
        let passOn = ["market", "additional_types", "fields"].compactMap { key in query[key].map { (key, $0) } }
        let page = pageObject(
            items: window, total: entries.count, limit: limit, offset: offset,
            path: "/playlists/\(id)/\(legacyPath ? "tracks" : "items")", extraQuery: passOn)
        return JSONBody(value: try FieldsFilter.apply(query["fields"], to: page), fragments: fragments ?? [:])
    }

    func savedTracks(_ grant: AccessGrant, query: [String: String]) throws -> JSONBody {
        let user = try requireUser(grant)
        try requireScope(grant, "user-library-read")
        try requireValidMarket(query)
        let (limit, offset) = try paging(query, maximum: 50)
        let options = RenderOptions(query: query, extended: knobs.extendedMode)
        let songs = liked[user] ?? []
        var fragments: [String: [UInt8]]? = [:]
        var window: [JSONValue] = []
        for saved in songs.dropFirst(offset).prefix(limit) {
            window.append([
                "added_at": .string(SpotifyTime.string(saved.addedAt)),
                "track": item(uri: saved.uri, options: options, fragments: &fragments),
            ])
        }
        let passOn = query["market"].map { [("market", $0)] } ?? []
        let page = pageObject(
            items: window, total: songs.count, limit: limit, offset: offset, path: "/me/tracks", extraQuery: passOn)
        return JSONBody(value: page, fragments: fragments ?? [:])
    }

    /// How many plays Spotify keeps for `recently-played`: the rest are gone for good.
    static let recentPlaysKept = 50

    /// `GET /me/player/recently-played`: tracks only (no episodes), from the 50 most recent plays, newest first.
    /// `after` and `before` are exclusive Unix-millisecond cursors that cannot be given together.
    func recentlyPlayed(_ grant: AccessGrant, query: [String: String]) throws -> JSONValue {
        let user = try requireUser(grant)
        try requireScope(grant, "user-read-recently-played")
        let (limit, _) = try paging(query, maximum: 50)
        if query["after"] != nil, query["before"] != nil {
            throw WebAPIFailure.badRequest("Only one of 'after' and 'before' may be given")
        }
        func cursor(_ name: String) throws -> Int64? {
            guard let text = query[name] else { return nil }
            guard let value = Int64(text), value >= 0 else { throw WebAPIFailure.badRequest("Invalid \(name)") }
            return value
        }
        let after = try cursor("after")
        let before = try cursor("before")
        let millis = { (date: Date) in Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
        var history = (plays[user] ?? []).filter { $0.uri.hasPrefix("spotify:track:") }.sorted { $0.playedAt > $1.playedAt }
        history = Array(history.prefix(Self.recentPlaysKept))
        if let before { history = history.filter { millis($0.playedAt) < before } }
        if let after { history = history.filter { millis($0.playedAt) > after } }
        let window = Array(history.prefix(limit))
        let options = RenderOptions(query: ["market": "from_token"], extended: knobs.extendedMode)
        let items: [JSONValue] = window.map { play in
            [
                "track": itemObject(uri: play.uri, options: options),
                "played_at": .string(SpotifyTime.string(play.playedAt)),
                "context": play.contextURI.map(contextObject) ?? .null,
            ]
        }
        var href = "/me/player/recently-played?limit=\(limit)"
        if let after { href += "&after=\(after)" }
        if let before { href += "&before=\(before)" }
        let next: JSONValue =
            history.count > limit
            ? .string(apiURL("/me/player/recently-played?before=\(millis(window.last!.playedAt))&limit=\(limit)")) : .null
        return [
            "href": .string(apiURL(href)), "items": .array(items), "limit": JSONValue(limit), "next": next,
            "cursors": window.isEmpty
                ? .null
                : [
                    "after": .string(String(millis(window.first!.playedAt))),
                    "before": .string(String(millis(window.last!.playedAt))),
                ],
        ]
    }

    /// A play's `context`: what it was played from (a playlist, an album, an artist), as Spotify describes it.
    func contextObject(_ uri: String) -> JSONValue {
        let parts = uri.split(separator: ":")
        guard parts.count == 3, parts[0] == "spotify" else { return ["type": .null, "uri": .string(uri)] }
        let (type, id) = (String(parts[1]), String(parts[2]))
        return [
            "type": .string(type), "uri": .string(uri), "href": .string(apiURL("/\(type)s/\(id)")),
            "external_urls": ["spotify": .string("https://open.spotify.com/\(type)/\(id)")],
        ]
    }
}
