import FluentKit
import Foundation
import PlaykeeperJSON
import Store

/// The listening history, written out: CSV, JSON, or ListenBrainz's listen format (JSON lines), so a person can
/// take their history to ListenBrainz or any server that speaks it.
public struct PlayExport: Sendable {
    public var plays: [PlayRecord]

    public static func load(user: UserRecord, on database: any Database) async throws -> PlayExport {
        PlayExport(
            plays: try await PlayRecord.query(on: database).filter(\.$user.$id == user.requireID()).sort(\.$playedAt).all())
    }

    public static let csvHeader = [
        "Played At", "Ms Played", "Track URI", "Track Name", "Artist Name", "Album Name", "Context URI", "Source",
    ]

    public func csv() -> String {
        var lines = [Self.csvHeader.map(LibraryExport.csvField).joined(separator: ",")]
        for play in plays {
            lines.append(
                [
                    play.playedAt.formatted(.iso8601), play.msPlayed.map(String.init) ?? "", play.trackURI ?? "",
                    play.trackName ?? "", play.artistName ?? "", play.albumName ?? "", play.contextURI ?? "",
                    play.source.rawValue,
                ].map(LibraryExport.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func json(user: UserRecord, exportedAt: Date) -> JSONValue {
        [
            "user": .string(user.spotifyID), "exported_at": .string(exportedAt.formatted(.iso8601)),
            "plays": .array(
                plays.map { play in
                    [
                        "played_at": .string(play.playedAt.formatted(.iso8601)), "ms_played": JSONValue(play.msPlayed),
                        "track_uri": JSONValue(play.trackURI), "track_name": JSONValue(play.trackName),
                        "artist_name": JSONValue(play.artistName), "album_name": JSONValue(play.albumName),
                        "context_uri": JSONValue(play.contextURI), "source": .string(play.source.rawValue),
                    ]
                }),
        ]
    }

    /// One listen a line, as ListenBrainz takes them: `listened_at` is when the listen *began* (Unix seconds), so
    /// the stop time Spotify gives loses its `ms_played`. Plays known only by name are written too; plays
    /// without a name (an unresolved record) cannot be, and are left out.
    public func listenBrainz() -> String {
        var lines: [String] = []
        for play in plays {
            guard let track = play.trackName, let artist = play.artistName else { continue }
            let started = play.playedAt.addingTimeInterval(-Double(play.msPlayed ?? 0) / 1000)
            var info: JSONObject = [
                "media_player": "Spotify", "submission_client": "Playkeeper", "music_service": "spotify.com",
            ]
            if let uri = play.trackURI, uri.hasPrefix("spotify:track:") {
                info["spotify_id"] = .string("https://open.spotify.com/track/\(uri.dropFirst("spotify:track:".count))")
                info["origin_url"] = info["spotify_id"]
            }
            if let ms = play.msPlayed { info["duration_ms"] = JSONValue(ms) }
            var metadata: JSONObject = [
                "artist_name": .string(artist), "track_name": .string(track), "additional_info": .object(info),
            ]
            if let album = play.albumName { metadata["release_name"] = .string(album) }
            let listen: JSONValue = [
                "listened_at": JSONValue(Int(started.timeIntervalSince1970)), "track_metadata": .object(metadata),
            ]
            lines.append(listen.serialized())
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }
}
