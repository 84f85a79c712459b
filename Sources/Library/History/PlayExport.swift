import FluentKit
import Foundation
import PlaykeeperJSON
import SQLKit
import Store

/// The listening history, written out: CSV, JSON, or ListenBrainz's listen format (JSON lines), so a person can
/// take their history to ListenBrainz or any server that speaks it. Written a page of plays at a time, oldest
/// first: a history of millions of plays goes out in the memory of one page.
public enum PlayExport {
    public enum Format: String, Sendable, CaseIterable {
        case csv, json, listenbrainz
    }

    /// Plays read from the store at a time.
    public static let pageSize = 5_000

    public static let csvHeader = [
        "Played At", "Ms Played", "Track URI", "Track Name", "Artist Name", "Album Name", "Context URI", "Source",
    ]

    /// Writes the person's plays in `format`, passing the text to `write` a page at a time; returns how many
    /// plays were read (ListenBrainz leaves out plays without a name).
    @discardableResult
    public static func write(
        _ format: Format, user: UserRecord, exportedAt: Date, on database: any Database, pageSize: Int = pageSize,
        to write: (String) throws -> Void
    ) async throws -> Int {
        switch format {
        case .csv: try write(Self.csvHeader.map(LibraryExport.csvField).joined(separator: ",") + "\n")
        case .json:
            // One object, written a piece at a time: its date, the plays, the person.
            try write("{\"exported_at\":\(JSONValue.string(exportedAt.formatted(.iso8601)).serialized()),\"plays\":[")
        case .listenbrainz: break
        }
        var count = 0
        var last: Date?
        let sql = try database.sql()
        while true {
            // The columns written, read by name: a play's raw JSON stays in the store.
            var query = sql.select().columns(Play.columns.map { SQLColumn($0) }).from(PlayRecord.schema)
                .where("user_id", .equal, SQLBind(try user.requireID()))
            // The person's plays are unique by time (`plays_once`): each page starts after the last one's end.
            if let last { query = query.where("played_at", .greaterThan, SQLBind(last)) }
            let page = try await query.orderBy("played_at").limit(max(1, pageSize)).all().map(Play.init)
            guard let end = page.last?.playedAt else { break }
            var text = ""
            for play in page {
                switch format {
                case .csv: text += csvLine(play) + "\n"
                case .json: text += (count > 0 ? "," : "") + json(play).serialized()
                case .listenbrainz: if let listen = listen(play) { text += listen.serialized() + "\n" }
                }
                count += 1
            }
            try write(text)
            last = end
        }
        if format == .json { try write("],\"user\":\(JSONValue.string(user.spotifyID).serialized())}\n") }
        return count
    }

    static func csvLine(_ play: Play) -> String {
        [
            play.playedAt.formatted(.iso8601), play.msPlayed.map(String.init) ?? "", play.trackURI ?? "",
            play.trackName ?? "", play.artistName ?? "", play.albumName ?? "", play.contextURI ?? "",
            play.source,
        ].map(LibraryExport.csvField).joined(separator: ",")
    }

    static func json(_ play: Play) -> JSONValue {
        [
            "played_at": .string(play.playedAt.formatted(.iso8601)), "ms_played": JSONValue(play.msPlayed),
            "track_uri": JSONValue(play.trackURI), "track_name": JSONValue(play.trackName),
            "artist_name": JSONValue(play.artistName), "album_name": JSONValue(play.albumName),
            "context_uri": JSONValue(play.contextURI), "source": .string(play.source),
        ]
    }

    /// A listen as ListenBrainz takes it: `listened_at` is when the listen *began* (Unix seconds), so the stop
    /// time Spotify gives loses its `ms_played`. Plays known only by name are written too; plays without a name
    /// (an unresolved record) cannot be, and are left out.
    static func listen(_ play: Play) -> JSONValue? {
        guard let track = play.trackName, let artist = play.artistName else { return nil }
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
        return ["listened_at": JSONValue(Int(started.timeIntervalSince1970)), "track_metadata": .object(metadata)]
    }

    /// What a play's export holds.
    struct Play {
        static let columns = [
            "played_at", "ms_played", "track_uri", "track_name", "artist_name", "album_name", "context_uri", "source",
        ]
        var playedAt: Date
        var msPlayed: Int?
        var trackURI: String?
        var trackName: String?
        var artistName: String?
        var albumName: String?
        var contextURI: String?
        var source: String

        init(_ row: any SQLRow) throws {
            playedAt = try row.decode(column: "played_at", as: Date.self)
            msPlayed = try row.decode(column: "ms_played", as: Int?.self)
            trackURI = try row.decode(column: "track_uri", as: String?.self)
            trackName = try row.decode(column: "track_name", as: String?.self)
            artistName = try row.decode(column: "artist_name", as: String?.self)
            albumName = try row.decode(column: "album_name", as: String?.self)
            contextURI = try row.decode(column: "context_uri", as: String?.self)
            source = try row.decode(column: "source", as: String.self)
        }
    }
}
