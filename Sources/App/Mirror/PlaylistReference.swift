import FluentKit
import Foundation
import Library
import Store

/// What a person may type to name a playlist: an id, a `spotify:playlist:` URI, an open.spotify.com URL,
/// an exact name, or `liked` for Liked Songs.
public enum PlaylistReference {
    /// The Spotify id inside an id, URI or URL; `nil` when the text is none of those (a name, then).
    static func spotifyID(in text: String) -> String? {
        if text.hasPrefix("spotify:playlist:") { return String(text.dropFirst("spotify:playlist:".count)) }
        if let url = URL(string: text), let host = url.host, host.hasSuffix("open.spotify.com") {
            let parts = url.path.split(separator: "/")
            if let index = parts.firstIndex(of: "playlist"), index + 1 < parts.count { return String(parts[index + 1]) }
        }
        let base62 = text.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII }
        return text.count == 22 && base62 ? text : nil
    }

    /// Finds the user's mirrored playlist; an unknown or ambiguous reference is a clear error.
    public static func resolve(_ text: String, user: UserRecord, on database: any Database) async throws -> PlaylistRecord {
        let userID = try user.requireID()
        let query = PlaylistRecord.query(on: database).filter(\.$user.$id == userID)
        if text.lowercased() == "liked" {
            guard let liked = try await query.filter(\.$isLiked == true).first() else {
                throw PlaykeeperError(.failed, "Liked Songs are not mirrored yet; run 'playkeeper sync'")
            }
            return liked
        }
        if let id = spotifyID(in: text), let found = try await query.copy().filter(\.$spotifyID == id).first() {
            return found
        }
        let named = try await query.copy().filter(\.$name == text).all()
        switch named.count {
        case 1: return named[0]
        case 0:
            throw PlaykeeperError(.failed, "no mirrored playlist is called or has the id '\(text)'; see 'playkeeper playlists'")
        default:
            let list = named.map { "  \($0.spotifyID)  \($0.name) (owner \($0.ownerID ?? "?"))" }.joined(separator: "\n")
            throw PlaykeeperError(.failed, "several playlists are called '\(text)'; name one by id:\n\(list)")
        }
    }
}
