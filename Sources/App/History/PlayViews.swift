import Foundation
import Library
import PlaykeeperJSON
import Store

/// Plays and gaps as the API and `--json` show them, and as lines a person reads.
enum PlayViews {
    static func play(_ play: PlayRecord) -> JSONValue {
        [
            "played_at": MirrorViews.date(play.playedAt), "track_uri": JSONValue(play.trackURI),
            "track_name": JSONValue(play.trackName), "artist_name": JSONValue(play.artistName),
            "album_name": JSONValue(play.albumName), "ms_played": JSONValue(play.msPlayed),
            "context": play.contextURI.map { ["type": JSONValue(play.contextType), "uri": .string($0)] } ?? .null,
            "source": .string(play.source.rawValue),
        ]
    }

    static func gap(_ gap: PlayGapRecord) -> JSONValue {
        [
            "starts_at": MirrorViews.date(gap.startsAt), "ends_at": MirrorViews.date(gap.endsAt),
            "detected_at": MirrorViews.date(gap.detectedAt), "filled_at": MirrorViews.date(gap.filledAt),
            "message": .string(message(gap)),
        ]
    }

    static func line(_ play: PlayRecord) -> String {
        let at = play.playedAt.formatted(date: .numeric, time: .shortened)
        let from = play.contextURI.map { "  (from \(play.contextType ?? "context") \($0))" } ?? ""
        return "\(at)  \(play.trackName ?? play.trackURI ?? "?") — \(play.artistName ?? "?")\(from)"
    }

    /// What the person is told about a gap.
    static func message(_ gap: PlayGapRecord) -> String {
        let format = Date.ISO8601FormatStyle()
        return "plays between \(gap.startsAt.formatted(format)) and \(gap.endsAt.formatted(format)) may be missing: "
            + "import your Spotify data to fill them"
    }

    /// `--since` and `since`: a day (`2026-11-01`, from its start in UTC) or an ISO 8601 time.
    static func since(_ text: String) -> Date? {
        if let time = try? Date.ISO8601FormatStyle().parse(text) { return time }
        return try? Date.ISO8601FormatStyle().year().month().day().parse(text)
    }
}
