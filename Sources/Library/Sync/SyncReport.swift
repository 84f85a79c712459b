import Foundation

/// What one sync did. Its JSON is what `playkeeper sync --json` prints and the API returns.
public struct SyncReport: Sendable, Codable, Equatable {
    public var user: String
    public var runID: UUID?
    public var playlistsListed = 0
    public var playlistsChanged = 0
    public var playlistsUnchanged = 0
    /// Followed playlists of other owners, and any whose items answered 403 or 404: metadata only.
    public var playlistsMetadataOnly = 0
    /// Playlists that disappeared from `/me/playlists` since the last sync.
    public var playlistsGone = 0
    public var likedChanged = false
    public var entriesWritten = 0
    /// Web API requests, not counting retries.
    public var apiCalls = 0
    /// Requests repeated after a 429, a 5xx, a dropped connection or a 401.
    public var retries = 0
    /// Playlists read again because their snapshot moved during the read.
    public var rereads = 0
    public var seconds = 0.0
    /// Playlists that could not be mirrored this time, by id, with the reason. The rest were.
    public var failures: [String: String] = [:]

    public init(user: String) { self.user = user }

    enum CodingKeys: String, CodingKey {
        case user, runID = "run_id", playlistsListed = "playlists_listed", playlistsChanged = "playlists_changed"
        case playlistsUnchanged = "playlists_unchanged", playlistsMetadataOnly = "playlists_metadata_only"
        case playlistsGone = "playlists_gone", likedChanged = "liked_changed", entriesWritten = "entries_written"
        case apiCalls = "api_calls", retries, rereads, seconds, failures
    }

    /// One line for people.
    public var summary: String {
        var text = "\(playlistsChanged) playlist\(playlistsChanged == 1 ? "" : "s") changed, \(playlistsUnchanged) unchanged"
        if playlistsMetadataOnly > 0 { text += ", \(playlistsMetadataOnly) metadata only" }
        if playlistsGone > 0 { text += ", \(playlistsGone) gone" }
        text += likedChanged ? ", Liked Songs changed" : ""
        text += "; \(entriesWritten) entries written; \(apiCalls) API calls"
        if retries > 0 || rereads > 0 { text += " (+\(retries) retries, \(rereads) re-reads)" }
        text += String(format: "; %.1f s", seconds)
        if !failures.isEmpty { text += "; \(failures.count) failed" }
        return text
    }
}

/// Progress while a sync runs, for a TTY.
public struct SyncProgress: Sendable {
    public var done: Int
    public var total: Int
    public var playlist: String
}
