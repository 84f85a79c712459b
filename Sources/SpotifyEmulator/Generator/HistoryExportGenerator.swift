import Foundation
import PlaykeeperJSON

/// Makes the files of a Spotify privacy export for a library's tracks, with the real field names: extended
/// streaming history (`Streaming_History_Audio_*.json`, with the personal fields Spotify includes and
/// Playkeeper must never keep, and podcast records), account data (`StreamingHistory_music_*.json`) and a video
/// file. Plays go forward from `start`, a pause of up to twice `averagePause` apart, and nobody listens from 02:00
/// to 07:00 (UTC); some are skips, and a few favourite songs come back far more often than the rest.
public struct HistoryExportGenerator: Sendable {
    public var seed: UInt64
    public var plays: Int
    public var start: Date
    /// Records a file holds before the next begins (Spotify splits near 12 MB, about 16,000 records).
    public var perFile: Int
    /// The mean pause between two plays, in seconds.
    public var averagePause: UInt64

    public init(seed: UInt64 = 1, plays: Int, start: Date, perFile: Int = 16_000, averagePause: UInt64 = 300) {
        self.seed = seed
        self.plays = plays
        self.start = start
        self.perFile = max(1, perFile)
        self.averagePause = max(1, averagePause)
    }

    /// One generated play, as both formats describe it.
    public struct Play: Sendable, Equatable {
        public var track: EmulatorLibrary.Track
        /// When the play stopped (`ts`, `endTime`).
        public var endedAt: Date
        public var msPlayed: Int
        public var skipped: Bool
    }

    /// The plays, oldest first.
    public func generatePlays(from library: EmulatorLibrary) -> [Play] {
        var random = SeededRandom(seed: seed)
        let tracks = library.tracks.filter { !$0.unavailable }
        guard !tracks.isEmpty else { return [] }
        var clock = start
        // A tenth of the songs are favourites, and get half of the plays.
        let favourites = max(1, tracks.count / 10)
        return (0..<plays).map { _ in
            let pick = random.next() % 2 == 0 ? random.next() % UInt64(favourites) : random.next() % UInt64(tracks.count)
            let track = tracks[Int(pick)]
            let skipped = random.next() % 8 == 0
            let ms = skipped ? Int(3_000 + random.next() % 20_000) : track.durationMS
            // `ts` is to the second.
            var next = clock.timeIntervalSince1970 + Double(ms) / 1000 + Double(random.next() % (2 * averagePause))
            let hour = Int(next / 3600) % 24
            if (2..<7).contains(hour) {
                next = (next / 86_400).rounded(.down) * 86_400 + 7 * 3600 + Double(random.next() % 3600)
            }
            clock = Date(timeIntervalSince1970: next.rounded(.down))
            return Play(track: track, endedAt: clock, msPlayed: ms, skipped: skipped)
        }
    }

    /// The plays in files of `perFile` records: each chunk with its index.
    func chunks(from library: EmulatorLibrary) -> [(index: Int, plays: ArraySlice<Play>)] {
        let plays = generatePlays(from: library)
        return stride(from: 0, to: plays.count, by: perFile).enumerated().map { index, start in
            (index, plays[start..<min(start + perFile, plays.count)])
        }
    }

    /// Extended streaming history files, by their names; one podcast record is added to the first.
    public func extendedFiles(from library: EmulatorLibrary) -> [String: Data] {
        var files: [String: Data] = ["Streaming_History_Video_2024.json": Data("[]".utf8)]
        for (index, chunk) in chunks(from: library) {
            var records: [JSONValue] = chunk.map(Self.extendedRecord)
            if index == 0, let first = chunk.first {
                records.append(Self.episodeRecord(endedAt: first.endedAt.addingTimeInterval(-30)))
            }
            let years = "\(Self.year(chunk.first!.endedAt))-\(Self.year(chunk.last!.endedAt))"
            files["Streaming_History_Audio_\(years)_\(index).json"] = Data(JSONValue.array(records).serialized().utf8)
        }
        return files
    }

    /// Account-data files: minute-precision end times, names and no URIs.
    public func accountFiles(from library: EmulatorLibrary) -> [String: Data] {
        var files: [String: Data] = [:]
        for (index, chunk) in chunks(from: library) {
            let records: [JSONValue] = chunk.map { play in
                [
                    "endTime": .string(Self.minute(play.endedAt)), "artistName": .string(play.track.artists.first?.name ?? ""),
                    "trackName": .string(play.track.name), "msPlayed": JSONValue(play.msPlayed),
                ]
            }
            files["StreamingHistory_music_\(index).json"] = Data(JSONValue.array(records).serialized().utf8)
        }
        return files
    }

    static func extendedRecord(_ play: Play) -> JSONValue {
        [
            "ts": .string(play.endedAt.formatted(.iso8601)), "platform": "Android OS 14 API 34 (Google, Pixel 8)",
            "ms_played": JSONValue(play.msPlayed), "conn_country": "DE", "ip_addr": "203.0.113.7",
            "user_agent_decrypted": "unknown", "master_metadata_track_name": .string(play.track.name),
            "master_metadata_album_artist_name": .string(play.track.artists.first?.name ?? ""),
            "master_metadata_album_album_name": .string(play.track.album.name),
            "spotify_track_uri": .string("spotify:track:\(play.track.id)"), "episode_name": nil, "episode_show_name": nil,
            "spotify_episode_uri": nil, "audiobook_title": nil, "audiobook_uri": nil, "audiobook_chapter_uri": nil,
            "audiobook_chapter_title": nil, "reason_start": play.skipped ? "fwdbtn" : "trackdone",
            "reason_end": play.skipped ? "fwdbtn" : "trackdone", "shuffle": false, "skipped": .bool(play.skipped),
            "offline": false, "offline_timestamp": JSONValue(Int(play.endedAt.timeIntervalSince1970)),
            "incognito_mode": false,
        ]
    }

    static func episodeRecord(endedAt: Date) -> JSONValue {
        [
            "ts": .string(endedAt.formatted(.iso8601)), "platform": "ios", "ms_played": 1_200_000, "conn_country": "DE",
            "ip_addr": "203.0.113.7", "master_metadata_track_name": nil, "master_metadata_album_artist_name": nil,
            "master_metadata_album_album_name": nil, "spotify_track_uri": nil, "episode_name": "Pilot",
            "episode_show_name": "The Show", "spotify_episode_uri": "spotify:episode:e1", "reason_start": "clickrow",
            "reason_end": "endplay", "shuffle": false, "skipped": false, "offline": false, "incognito_mode": false,
        ]
    }

    static func year(_ date: Date) -> String { String(Calendar(identifier: .gregorian).component(.year, from: date)) }

    /// `2024-01-31 21:04`, in UTC.
    static func minute(_ date: Date) -> String {
        let text = date.formatted(.iso8601)
        return String(text.prefix(10)) + " " + String(text.dropFirst(11).prefix(5))
    }
}
