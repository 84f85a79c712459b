import Foundation

/// The request parameters that change how Spotify shapes an object.
struct RenderOptions: Sendable {
    /// `market` was sent: `is_playable` appears, and relinked tracks show `linked_from`.
    var market = false
    /// `additional_types` includes `episode`; otherwise episodes come back disguised as tracks.
    var episodes = false
    /// Extended Quota Mode: deprecated fields (`track`, `tracks`) are filled as well.
    var extended = false
    /// Served on a legacy `/tracks` path (extended mode only): entries carry only `track`.
    var legacyTracksPath = false

    init(query: [String: String], extended: Bool, legacyTracksPath: Bool = false) {
        market = !(query["market"] ?? "").isEmpty
        episodes = (query["additional_types"] ?? "").split(separator: ",").contains("episode")
        self.extended = extended
        self.legacyTracksPath = legacyTracksPath
    }
}

enum SpotifyTime {
    /// `2026-01-01T12:00:00Z`: Spotify's timestamps have no fractional seconds.
    static func string(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
    }
}
