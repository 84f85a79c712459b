import FluentKit
import Foundation
import Library
import SpotifyWebAPI
import Store

/// Which playlists a dedupe command works on.
struct DedupeTargets {
    var playlist: String?
    var all: Bool
    var collaborative: Bool
    var liked: Bool

    /// `PLAYLIST`, or with `--all` every playlist the user owns (with `--collaborative` and `--liked`).
    /// With neither, `duplicates` means `--all`.
    func resolve(user: UserRecord, on database: any Database) async throws -> [PlaylistRecord] {
        if let playlist {
            guard !all else { throw PlaykeeperError(.invalid, "name a playlist or use --all, not both") }
            return [try await PlaylistReference.resolve(playlist, user: user, on: database)]
        }
        // The unified playlist's shards are Playkeeper's own: never deduplicated with --all.
        let managed = try await UnifiedService.managedIDs(of: user, on: database)
        let records = try await PlaylistRecord.query(on: database).filter(\.$user.$id == user.requireID()).filter(
            \.$goneAt == nil
        )
        .sort(\.$listPosition).all()
        return records.filter { record in
            if managed.contains(record.spotifyID) { return false }
            if record.isLiked { return liked }
            guard record.canReadItems else { return false }
            if record.ownerID == user.spotifyID { return true }
            return collaborative && record.collaborative && record.canEdit
        }
    }
}
