import Crypto
import FluentKit
import Foundation
import PlaykeeperJSON
import SpotifyWebAPI
import Store

/// What makes a playlist Playkeeper creates safe to create: an intent saved with a marker before
/// `POST /me/playlists`, the marker in the new playlist's description, and after an interruption the playlist
/// found again by it (the person may have renamed it) instead of created twice.
public enum CreatedPlaylist {
    /// A fresh marker: 12 hex digits.
    public static func newMarker() -> String {
        SymmetricKey(size: .bits128).withUnsafeBytes { bytes in Hex.string(bytes.prefix(6)) }
    }

    /// The words a description ends with; the marker ties the playlist to the intent saved before creating it.
    public static func markerText(_ marker: String) -> String { "Kept by Playkeeper \u{00B7} \(marker)" }

    /// The person's playlist whose description carries the marker, if Spotify made it.
    static func find(_ marker: String, client: SpotifyClient) async throws -> Playlist? {
        let text = markerText(marker)
        return try await client.myPlaylists().allItems().compactMap { $0 }
            .first { $0.id != nil && ($0.description?.contains(text) ?? false) }
    }

    /// `POST /me/playlists` with the marker, then the new playlist's row in the mirror.
    static func create(
        name: String, description: String, marker: String, isPublic: Bool, client: SpotifyClient, user: UserRecord,
        on database: any Database
    ) async throws -> PlaylistRecord {
        let playlist = try await client.createPlaylist(
            name: name, description: "\(description) \(markerText(marker))", isPublic: isPublic)
        return try await adopt(playlist, name: name, user: user, on: database)
    }

    /// The mirror's row for a playlist Spotify has made (its entries follow with the next read-back).
    static func adopt(_ playlist: Playlist, name: String, user: UserRecord, on database: any Database) async throws
        -> PlaylistRecord
    {
        guard let id = playlist.id else {
            throw SpotifyError.decoding(endpoint: "POST /v1/me/playlists", detail: "the new playlist has no id")
        }
        if let known = try await PlaylistRecord.query(on: database).filter(\.$user.$id == user.requireID())
            .filter(\.$spotifyID == id).first()
        {
            return known
        }
        let record = SyncEngine.newPlaylist(userID: try user.requireID(), spotifyID: id)
        record.name = playlist.name ?? name
        record.ownerID = user.spotifyID
        record.isPublic = playlist.isPublic
        record.canEdit = true
        record.raw = playlist.raw.withoutEntries().serialized()
        try await record.create(on: database)
        return record
    }
}
