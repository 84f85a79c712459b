import Foundation
import PlaykeeperJSON

/// `/me/library` (save, remove, contains) for every URI type the 2026 API names, and the deprecated playlist
/// follower endpoints that clients still call (spotipy 2.26 unfollows through them).
///
/// Songs are the user's Liked Songs (`/me/tracks`); a playlist saved is followed (it joins the top of
/// `/me/playlists`) and one removed is unfollowed (it stays readable by id); albums, episodes, shows, audiobooks and
/// users are kept as saved, for `contains` to answer, with nothing else to read them back from.
extension EmulatorState {
    /// A kind of URI `/me/library` takes, with the scopes it needs.
    enum LibraryKind: String {
        case track, album, episode, show, audiobook, artist, user, playlist

        /// The scopes one of which a save or a removal of this kind needs; nil: `contains` only (artists).
        var modifyScopes: [String]? {
            switch self {
            case .track, .album, .episode, .show, .audiobook: ["user-library-modify"]
            case .user: ["user-follow-modify"]
            case .playlist: ["playlist-modify-public", "playlist-modify-private"]
            case .artist: nil
            }
        }

        /// The scope `contains` needs for this kind.
        var readScope: String {
            switch self {
            case .track, .album, .episode, .show, .audiobook: "user-library-read"
            case .artist, .user: "user-follow-read"
            case .playlist: "playlist-read-private"
            }
        }
    }

    /// A URI of `/me/library`, taken apart.
    struct LibraryURI {
        var kind: LibraryKind
        var id: String
        var uri: String
    }

    /// `PUT /me/library`: a song goes to the top of Liked Songs with a new `added_at`; a playlist is followed.
    func saveToLibrary(_ grant: AccessGrant, uris text: String?) throws {
        let user = try requireUser(grant)
        let items = try libraryURIs(text, writing: true)
        try requireScopes(grant, items.map(\.kind).compactMap(\.modifyScopes))
        for item in items where item.kind == .playlist { _ = try visiblePlaylist(item.id) }
        let now = self.now
        for item in items {
            switch item.kind {
            case .track:
                if !(liked[user] ?? []).contains(where: { $0.uri == item.uri }) {
                    liked[user, default: []].insert(EmulatorLibrary.Saved(uri: item.uri, addedAt: now), at: 0)
                }
            case .playlist: follow(item.id, by: user)
            default: saved[user, default: []].insert(item.uri)
            }
        }
    }

    /// `DELETE /me/library`: the reverse; a playlist is unfollowed (the owner's own too: that is deleting it).
    func removeFromLibrary(_ grant: AccessGrant, uris text: String?) throws {
        let user = try requireUser(grant)
        let items = try libraryURIs(text, writing: true)
        try requireScopes(grant, items.map(\.kind).compactMap(\.modifyScopes))
        for item in items {
            switch item.kind {
            case .track: liked[user]?.removeAll { $0.uri == item.uri }
            case .playlist: unfollow(item.id, by: user)
            default: saved[user]?.remove(item.uri)
            }
        }
    }

    /// `GET /me/library/contains`: one boolean per URI, in order.
    func libraryContains(_ grant: AccessGrant, uris text: String?) throws -> JSONValue {
        let user = try requireUser(grant)
        let items = try libraryURIs(text, writing: false)
        for scope in Set(items.map(\.kind.readScope)) { try requireScope(grant, scope) }
        return .array(
            items.map { item in
                switch item.kind {
                case .track: .bool((liked[user] ?? []).contains { $0.uri == item.uri })
                case .playlist: .bool((follows[user] ?? []).contains(item.id))
                default: .bool(saved[user]?.contains(item.uri) ?? false)
                }
            })
    }

    /// `PUT /playlists/{id}/followers` (deprecated): follows the playlist. The body's `public` is accepted.
    func followPlaylist(_ grant: AccessGrant, id: String, body: JSONValue) throws {
        let user = try requireUser(grant)
        try requireScopes(grant, [LibraryKind.playlist.modifyScopes ?? []])
        if let flag = body["public"], flag.boolValue == nil { throw WebAPIFailure.badRequest("Invalid public") }
        _ = try visiblePlaylist(id)
        follow(id, by: user)
    }

    /// `DELETE /playlists/{id}/followers` (deprecated): unfollows it.
    func unfollowPlaylist(_ grant: AccessGrant, id: String) throws {
        let user = try requireUser(grant)
        try requireScopes(grant, [LibraryKind.playlist.modifyScopes ?? []])
        _ = try visiblePlaylist(id)
        unfollow(id, by: user)
    }

    /// `GET /playlists/{id}/followers/contains` (deprecated): whether the current user follows it. `ids`, if sent,
    /// names one user: the current one.
    func followsPlaylist(_ grant: AccessGrant, id: String, ids: String?) throws -> JSONValue {
        let user = try requireUser(grant)
        _ = try visiblePlaylist(id)
        if let ids {
            let named = EmulatorState.commaList(ids)
            guard named.count <= 1 else { throw WebAPIFailure.badRequest("Too many ids requested") }
            if let other = named.first, other != user { throw WebAPIFailure.forbidden }
        }
        return [.bool((follows[user] ?? []).contains(id))]
    }

    private func follow(_ id: String, by user: String) {
        guard !(follows[user] ?? []).contains(id) else { return }
        follows[user, default: []].insert(id, at: 0)
        playlists[id]?.followers += 1
    }

    private func unfollow(_ id: String, by user: String) {
        guard (follows[user] ?? []).contains(id) else { return }
        follows[user]?.removeAll { $0 == id }
        playlists[id]?.followers -= 1
    }

    /// Each alternative list needs one of its scopes.
    private func requireScopes(_ grant: AccessGrant, _ alternatives: [[String]]) throws {
        for scopes in alternatives where !scopes.contains(where: grant.scopes.contains) {
            throw WebAPIFailure.insufficientScope
        }
    }

    /// The `uris` parameter: 1–40 Spotify URIs of the kinds the endpoint takes. Songs and episodes must be in the
    /// catalogue; other ids must look like Spotify's (22 base62 characters; a user id any non-empty text).
    func libraryURIs(_ text: String?, writing: Bool) throws -> [LibraryURI] {
        let uris = EmulatorState.commaList(text ?? "")
        guard !uris.isEmpty else { throw WebAPIFailure.badRequest("Missing required parameter: uris") }
        guard uris.count <= 40 else { throw WebAPIFailure.badRequest("Too many ids requested") }
        return try uris.map { uri in
            let parts = uri.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "spotify", let kind = LibraryKind(rawValue: String(parts[1])),
                !writing || kind.modifyScopes != nil
            else { throw WebAPIFailure.badRequest("Unsupported URL / URI") }
            let id = String(parts[2])
            let known: Bool =
                switch kind {
                case .track: tracks[id] != nil
                case .episode: episodes[id] != nil
                case .user: !id.isEmpty
                case .playlist: playlists[id] != nil || Self.isBase62ID(id)
                case .album, .show, .audiobook, .artist: Self.isBase62ID(id)
                }
            guard known else { throw WebAPIFailure.badRequest("Invalid base62 id") }
            return LibraryURI(kind: kind, id: id, uri: uri)
        }
    }

    static func isBase62ID(_ id: String) -> Bool {
        id.utf8.count == 22 && id.utf8.allSatisfy { (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }
    }

    /// A comma-separated parameter's values, trimmed, empty ones dropped.
    static func commaList(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
