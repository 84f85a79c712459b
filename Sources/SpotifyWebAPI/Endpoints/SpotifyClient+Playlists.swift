import Foundation
import PlaykeeperJSON

extension SpotifyClient {
    /// The playlists in the user's library, owned and followed. Paged by offset (see `PageSequence`).
    public func myPlaylists(limit: Int = 50) -> PageSequence<Playlist> {
        PageSequence(
            client: self,
            first: .get("/me/playlists", "/me/playlists", query: [("limit", String(limit)), ("offset", "0")]),
            mode: .stepOffset,
            limit: limit
        )
    }

    /// One page of `/me/playlists`, at `offset`: once the first page gave `total`, the others can be read at once.
    public func myPlaylistsPage(offset: Int, limit: Int = 50) async throws -> Page<Playlist> {
        try await send(.get("/me/playlists", "/me/playlists", query: [("limit", String(limit)), ("offset", String(offset))]))
    }

    /// `GET /playlists/{id}`: metadata, the snapshot and the first 100 entries. `fields` cuts the payload.
    public func playlist(_ id: String, fields: String? = nil) async throws -> Playlist {
        try await send(playlistRequest(id, fields: fields))
    }

    private func playlistRequest(_ id: String, fields: String? = nil) -> SpotifyRequest {
        var query = [Self.market, Self.additionalTypes]
        if let fields { query.append(("fields", fields)) }
        return .get("/playlists/\(pathSegment(id))", "/playlists/{id}", query: query)
    }

    /// `GET /playlists/{id}` for the mirror: as `playlist(_:)`, with the first page's entries read as
    /// `MirroredEntry`s, without their trees.
    public func playlistForMirror(_ id: String) async throws -> MirroredPlaylist {
        try await send(playlistRequest(id), reading: MirroredPlaylist.read)
    }

    /// The playlist's entries, following `next`. Readable only by the owner or a collaborator.
    public func playlistItems(_ id: String, limit: Int = 50, offset: Int = 0, fields: String? = nil)
        -> PageSequence<PlaylistEntry>
    {
        var query = [("limit", String(limit)), ("offset", String(offset)), Self.market, Self.additionalTypes]
        if let fields { query.append(("fields", fields)) }
        return PageSequence(
            client: self,
            first: .get("/playlists/\(pathSegment(id))/items", "/playlists/{id}/items", query: query),
            mode: .followNext,
            limit: limit
        )
    }

    /// One page of a playlist's entries, at `offset`. Reading a playlist's pages at once rather than following
    /// `next` keeps several requests in flight for one playlist.
    public func playlistItemsPage(_ id: String, offset: Int, limit: Int = 50) async throws -> Page<PlaylistEntry> {
        try await send(itemsPageRequest(id, offset: offset, limit: limit))
    }

    private func itemsPageRequest(_ id: String, offset: Int, limit: Int) -> SpotifyRequest {
        .get(
            "/playlists/\(pathSegment(id))/items", "/playlists/{id}/items",
            query: [("limit", String(limit)), ("offset", String(offset)), Self.market, Self.additionalTypes])
    }

    /// One page of a playlist's entries for the mirror: as `playlistItemsPage`, read as `MirroredEntry`s.
    public func playlistItemsPageForMirror(_ id: String, offset: Int, limit: Int = 50) async throws -> MirroredPage {
        try await send(itemsPageRequest(id, offset: offset, limit: limit), reading: MirroredPage.read)
    }

    /// `POST /me/playlists`: creates a playlist owned by the user.
    public func createPlaylist(
        name: String, description: String? = nil, isPublic: Bool = false, collaborative: Bool = false
    ) async throws -> Playlist {
        var body: JSONObject = ["name": .string(name), "public": .bool(isPublic), "collaborative": .bool(collaborative)]
        if let description { body["description"] = .string(description) }
        return try await send(.write("POST", "/me/playlists", "/me/playlists", body: .object(body)))
    }

    /// `PUT /playlists/{id}`: renames a playlist the user owns (and sets its description or visibility).
    public func changeDetails(_ id: String, name: String? = nil, description: String? = nil, isPublic: Bool? = nil) async throws {
        var body: JSONObject = [:]
        if let name { body["name"] = .string(name) }
        if let description { body["description"] = .string(description) }
        if let isPublic { body["public"] = .bool(isPublic) }
        _ = try await send(.write("PUT", "/playlists/\(pathSegment(id))", "/playlists/{id}", body: .object(body)))
    }

    /// Spotify takes at most this many URIs per playlist write.
    public static let playlistWriteBatch = 100

    /// Adds `uris` in order, at `position` or appended, in requests of at most 100. Returns the last snapshot.
    @discardableResult
    public func addItems(_ playlistID: String, uris: [String], position: Int? = nil) async throws -> String? {
        var snapshot: String?
        for (index, batch) in uris.chunked(Self.playlistWriteBatch).enumerated() {
            var body: JSONObject = ["uris": .array(batch.map(JSONValue.string))]
            if let position { body["position"] = JSONValue(position + index * Self.playlistWriteBatch) }
            let answer: SnapshotResponse = try await send(
                .write("POST", "/playlists/\(pathSegment(playlistID))/items", "/playlists/{id}/items", body: .object(body)))
            snapshot = answer.snapshotID
        }
        return snapshot
    }

    /// Replaces the whole playlist with `uris`: one `PUT` with the first 100, then appends.
    @discardableResult
    public func replaceItems(_ playlistID: String, uris: [String]) async throws -> String? {
        let batches = uris.chunked(Self.playlistWriteBatch)
        let first = batches.first ?? []
        let answer: SnapshotResponse = try await send(
            .write(
                "PUT", "/playlists/\(pathSegment(playlistID))/items", "/playlists/{id}/items",
                body: ["uris": .array(first.map(JSONValue.string))]))
        var snapshot = answer.snapshotID
        if batches.count > 1 {
            snapshot = try await addItems(playlistID, uris: Array(uris.dropFirst(Self.playlistWriteBatch))) ?? snapshot
        }
        return snapshot
    }

    /// Moves `rangeLength` entries starting at `rangeStart` to before `insertBefore`.
    @discardableResult
    public func reorderItems(
        _ playlistID: String, rangeStart: Int, insertBefore: Int, rangeLength: Int = 1, snapshotID: String? = nil
    ) async throws -> String? {
        var body: JSONObject = [
            "range_start": JSONValue(rangeStart), "insert_before": JSONValue(insertBefore),
            "range_length": JSONValue(rangeLength),
        ]
        if let snapshotID { body["snapshot_id"] = .string(snapshotID) }
        let answer: SnapshotResponse = try await send(
            .write("PUT", "/playlists/\(pathSegment(playlistID))/items", "/playlists/{id}/items", body: .object(body)))
        return answer.snapshotID
    }

    /// Removes `uris` from the playlist. **Every occurrence** of each URI goes: Spotify ignores positions.
    /// No `snapshot_id` is sent: sending one on DELETE has been reported to fail.
    @discardableResult
    public func removeItems(_ playlistID: String, uris: [String]) async throws -> String? {
        var seen = Set<String>()
        let unique = uris.filter { seen.insert($0).inserted }
        var snapshot: String?
        for batch in unique.chunked(Self.playlistWriteBatch) {
            let answer: SnapshotResponse = try await send(
                .write(
                    "DELETE", "/playlists/\(pathSegment(playlistID))/items", "/playlists/{id}/items",
                    body: ["items": .array(batch.map { ["uri": .string($0)] })]))
            snapshot = answer.snapshotID
        }
        return snapshot
    }
}

extension Array {
    /// Consecutive slices of at most `size` elements: Spotify's write batches.
    public func chunked(_ size: Int) -> [[Element]] {
        precondition(size > 0)
        return stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
