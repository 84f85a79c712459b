import Foundation
import PlaykeeperJSON

/// Edits a person makes in the Spotify app, which the Web API cannot make (removing one copy by position).
extension EmulatorState {
    /// Applies one edit described in JSON: `{"op": "add"|"remove"|"remove_positions"|"move"|"rename"|"unfollow"|
    /// "follow"|"create"|"like"|"unlike", "user"?, "playlist"?, "uris"?, "positions"?, "position"?, "from"?, "to"?,
    /// "length"?, "name"?}`. Returns the playlist's new snapshot id, or the new playlist's id for `create`.
    public func applyAppEdit(_ edit: JSONValue) throws -> JSONValue {
        guard let op = edit["op"]?.stringValue else { throw EmulatorError.badRequest("an edit needs 'op'") }
        let uris = (edit["uris"]?.arrayValue ?? []).compactMap(\.stringValue)
        let playlistID = edit["playlist"]?.stringValue
        func stored() throws -> StoredPlaylist {
            guard let playlistID, let stored = playlists[playlistID] else {
                throw EmulatorError.notFound("no playlist '\(playlistID ?? "")'")
            }
            return stored
        }
        func user(default fallback: String?) throws -> String {
            guard let user = edit["user"]?.stringValue ?? fallback, users[user] != nil else {
                throw EmulatorError.notFound("no such user")
            }
            return user
        }
        switch op {
        case "add":
            let playlist = try stored()
            let by = try user(default: playlist.playlist.owner)
            let position = edit["position"]?.intValue ?? playlist.playlist.entries.count
            guard (0...playlist.playlist.entries.count).contains(position) else {
                throw EmulatorError.badRequest("position out of range")
            }
            let added = uris.map { EmulatorLibrary.Entry(uri: $0, addedAt: now, addedBy: by) }
            playlists[playlistID!]!.playlist.entries.insert(contentsOf: added, at: position)
        case "remove":
            _ = try stored()
            let doomed = Set(uris)
            playlists[playlistID!]!.playlist.entries.removeAll { doomed.contains($0.uri) }
        case "remove_positions":
            let playlist = try stored()
            let positions = Set((edit["positions"]?.arrayValue ?? []).compactMap(\.intValue))
            guard positions.allSatisfy({ playlist.playlist.entries.indices.contains($0) }) else {
                throw EmulatorError.badRequest("position out of range")
            }
            playlists[playlistID!]!.playlist.entries = playlist.playlist.entries.enumerated()
                .filter { !positions.contains($0.offset) }.map(\.element)
        case "move":
            let playlist = try stored()
            guard let from = edit["from"]?.intValue, let to = edit["to"]?.intValue else {
                throw EmulatorError.badRequest("move needs 'from' and 'to'")
            }
            let length = edit["length"]?.intValue ?? 1
            var entries = playlist.playlist.entries
            guard from >= 0, length >= 1, from + length <= entries.count, (0...entries.count).contains(to) else {
                throw EmulatorError.badRequest("range out of bounds")
            }
            let moving = Array(entries[from..<from + length])
            entries.removeSubrange(from..<from + length)
            entries.insert(contentsOf: moving, at: to > from ? to - length : to)
            playlists[playlistID!]!.playlist.entries = entries
        case "rename":
            _ = try stored()
            guard let name = edit["name"]?.stringValue else { throw EmulatorError.badRequest("rename needs 'name'") }
            playlists[playlistID!]!.playlist.name = name
        case "unfollow", "delete":
            // Deleting a playlist in the app only unfollows it: it stays readable and writable by id.
            let playlist = try stored()
            let by = try user(default: playlist.playlist.owner)
            follows[by]?.removeAll { $0 == playlistID }
            playlists[playlistID!]!.followers = max(0, playlist.followers - 1)
            return .null
        case "follow":
            let playlist = try stored()
            let by = try user(default: nil)
            if !(follows[by] ?? []).contains(playlistID!) {
                follows[by, default: []].insert(playlistID!, at: 0)
                playlists[playlistID!]!.followers = playlist.followers + 1
            }
            return .null
        case "create":
            let by = try user(default: userOrder.first)
            let id = newID()
            let entries = uris.map { EmulatorLibrary.Entry(uri: $0, addedAt: now, addedBy: by) }
            playlists[id] = StoredPlaylist(
                playlist: EmulatorLibrary.Playlist(
                    id: id, owner: by, name: edit["name"]?.stringValue ?? "New playlist", entries: entries),
                snapshotID: "", followers: 1)
            playlistOrder.append(id)
            follows[by, default: []].insert(id, at: 0)
            bumpSnapshot(id)
            return .string(id)
        case "like":
            let by = try user(default: userOrder.first)
            let present = Set((liked[by] ?? []).map(\.uri))
            for uri in uris where !present.contains(uri) {
                liked[by, default: []].insert(EmulatorLibrary.Saved(uri: uri, addedAt: now), at: 0)
            }
            return .null
        case "unlike":
            let by = try user(default: userOrder.first)
            let doomed = Set(uris)
            liked[by]?.removeAll { doomed.contains($0.uri) }
            return .null
        default:
            throw EmulatorError.badRequest("unknown op '\(op)'")
        }
        bumpSnapshot(playlistID!)
        return .string(playlists[playlistID!]!.snapshotID)
    }
}
