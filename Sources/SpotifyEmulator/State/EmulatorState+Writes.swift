import Foundation
import PlaykeeperJSON

/// The Web API's writes. Each playlist change gives a new `snapshot_id`.
extension EmulatorState {
    /// Spotify's per-request limit for playlist writes.
    static let writeBatch = 100

    func requireEditable(_ grant: AccessGrant, id: String) throws -> (user: String, stored: StoredPlaylist) {
        let user = try requireUser(grant)
        let stored = try visiblePlaylist(id)
        guard canRead(stored, user: user) else { throw WebAPIFailure.forbidden }
        try requireScope(grant, stored.playlist.isPublic ? "playlist-modify-public" : "playlist-modify-private")
        return (user, stored)
    }

    /// Checks every URI is one Spotify could add: a known track or episode. Local files cannot be added.
    func validateAddable(_ uris: [String]) throws {
        guard !uris.isEmpty else { throw WebAPIFailure.badRequest("No uris provided") }
        guard uris.count <= Self.writeBatch else { throw WebAPIFailure.badRequest("Too many ids requested") }
        for uri in uris {
            let parts = uri.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "spotify" else { throw WebAPIFailure.badRequest("Invalid base62 id") }
            switch parts[1] {
            case "track" where tracks[String(parts[2])] != nil: continue
            case "episode" where episodes[String(parts[2])] != nil: continue
            case "track", "episode": throw WebAPIFailure.badRequest("Invalid base62 id")
            default: throw WebAPIFailure.badRequest("Unsupported URL / URI")
            }
        }
    }

    func snapshotAnswer(_ id: String) -> JSONValue { ["snapshot_id": .string(playlists[id]!.snapshotID)] }

    func addItems(_ grant: AccessGrant, id: String, uris: [String], position: Int?) throws -> JSONValue {
        let (user, stored) = try requireEditable(grant, id: id)
        try validateAddable(uris)
        let count = stored.playlist.entries.count
        if let position, !(0...count).contains(position) {
            throw WebAPIFailure.badRequest("Index out of bounds")
        }
        guard count + uris.count <= knobs.playlistCap else {
            throw WebAPIFailure(status: 500, message: "Server error")
        }
        let now = self.now
        let added = uris.map { EmulatorLibrary.Entry(uri: $0, addedAt: now, addedBy: user) }
        playlists[id]!.playlist.entries.insert(contentsOf: added, at: position ?? count)
        bumpSnapshot(id)
        return snapshotAnswer(id)
    }

    func replaceItems(_ grant: AccessGrant, id: String, uris: [String]) throws -> JSONValue {
        let (user, _) = try requireEditable(grant, id: id)
        if !uris.isEmpty { try validateAddable(uris) }
        let now = self.now
        playlists[id]!.playlist.entries = uris.map { EmulatorLibrary.Entry(uri: $0, addedAt: now, addedBy: user) }
        bumpSnapshot(id)
        return snapshotAnswer(id)
    }

    func reorderItems(_ grant: AccessGrant, id: String, body: JSONValue) throws -> JSONValue {
        let (_, stored) = try requireEditable(grant, id: id)
        guard let start = body["range_start"]?.intValue, let insertBefore = body["insert_before"]?.intValue else {
            throw WebAPIFailure.badRequest("Missing range_start or insert_before")
        }
        let length = body["range_length"]?.intValue ?? 1
        let count = stored.playlist.entries.count
        guard start >= 0, length >= 1, start + length <= count, (0...count).contains(insertBefore) else {
            throw WebAPIFailure.badRequest("Index out of bounds")
        }
        if let snapshot = body["snapshot_id"]?.stringValue, snapshot != stored.snapshotID {
            throw WebAPIFailure.badRequest("Invalid snapshot id")
        }
        var entries = stored.playlist.entries
        let moving = Array(entries[start..<start + length])
        entries.removeSubrange(start..<start + length)
        let target = insertBefore > start ? insertBefore - length : insertBefore
        entries.insert(contentsOf: moving, at: target)
        playlists[id]!.playlist.entries = entries
        bumpSnapshot(id)
        return snapshotAnswer(id)
    }

    /// Removes every occurrence of each URI. `positions` is ignored, as Spotify has done since 2024.
    func removeItems(_ grant: AccessGrant, id: String, body: JSONValue) throws -> JSONValue {
        let (_, stored) = try requireEditable(grant, id: id)
        guard let items = (body["items"] ?? body["tracks"])?.arrayValue else {
            throw WebAPIFailure.badRequest("Missing items")
        }
        let uris = items.compactMap { $0["uri"]?.stringValue }
        guard uris.count == items.count, !uris.isEmpty else { throw WebAPIFailure.badRequest("Invalid items") }
        guard uris.count <= Self.writeBatch else { throw WebAPIFailure.badRequest("Too many ids requested") }
        if let snapshot = body["snapshot_id"]?.stringValue, snapshot != stored.snapshotID {
            throw WebAPIFailure.badRequest("Invalid snapshot id")
        }
        let doomed = Set(uris)
        playlists[id]!.playlist.entries.removeAll { doomed.contains($0.uri) }
        bumpSnapshot(id)
        return snapshotAnswer(id)
    }

    func createPlaylist(_ grant: AccessGrant, body: JSONValue) throws -> JSONValue {
        let user = try requireUser(grant)
        guard let name = body["name"]?.stringValue, !name.isEmpty else { throw WebAPIFailure.badRequest("Missing name") }
        let isPublic = try Self.flag(body, "public") ?? true
        try requireScope(grant, isPublic ? "playlist-modify-public" : "playlist-modify-private")
        let collaborative = try Self.flag(body, "collaborative") ?? false
        if let description = body["description"], description.stringValue == nil {
            throw WebAPIFailure.badRequest("Invalid description")
        }
        if collaborative, isPublic { throw WebAPIFailure.badRequest("Collaborative playlists cannot be public") }
        let id = newID()
        let playlist = EmulatorLibrary.Playlist(
            id: id, owner: user, name: name, description: body["description"]?.stringValue ?? "", isPublic: isPublic,
            collaborative: collaborative)
        playlists[id] = StoredPlaylist(playlist: playlist, snapshotID: "", followers: 1)
        playlistOrder.append(id)
        follows[user, default: []].insert(id, at: 0)
        bumpSnapshot(id)
        return playlistObject(
            playlists[id]!, for: user, full: true, options: RenderOptions(query: [:], extended: knobs.extendedMode))
    }

    /// `PUT /playlists/{id}`: changes the name, description or visibility. Only the owner may.
    func changeDetails(_ grant: AccessGrant, id: String, body: JSONValue) throws {
        let (user, stored) = try requireEditable(grant, id: id)
        guard stored.playlist.owner == user else { throw WebAPIFailure.forbidden }
        // Everything checked before anything changes.
        var name: String?
        if let value = body["name"] {
            guard let text = value.stringValue, !text.isEmpty else { throw WebAPIFailure.badRequest("Invalid name") }
            name = text
        }
        var description: String?
        if let value = body["description"] {
            guard let text = value.stringValue else { throw WebAPIFailure.badRequest("Invalid description") }
            description = text
        }
        let (publicFlag, collaborativeFlag) = (try Self.flag(body, "public"), try Self.flag(body, "collaborative"))
        let isPublic = publicFlag ?? stored.playlist.isPublic
        let collaborative = collaborativeFlag ?? stored.playlist.collaborative
        // As on creation: only a private playlist can be collaborative.
        if publicFlag != nil || collaborativeFlag != nil, collaborative, isPublic {
            throw WebAPIFailure.badRequest("Collaborative playlists cannot be public")
        }
        if let name { playlists[id]!.playlist.name = name }
        if let description { playlists[id]!.playlist.description = description }
        playlists[id]!.playlist.isPublic = isPublic
        playlists[id]!.playlist.collaborative = collaborative
    }

    /// A boolean member of a body, if present; 400 if it is something else.
    static func flag(_ body: JSONValue, _ name: String) throws -> Bool? {
        guard let value = body[name] else { return nil }
        guard let flag = value.boolValue else { throw WebAPIFailure.badRequest("Invalid \(name)") }
        return flag
    }

    /// A 22-character base62 id, like Spotify's.
    func newID() -> String {
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        while true {
            let id = String((0..<22).map { _ in alphabet[Int(random.next() % 62)] })
            if playlists[id] == nil { return id }
        }
    }
}
