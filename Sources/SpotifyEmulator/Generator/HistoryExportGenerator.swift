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
    /// No play after this time: the history stops here even if fewer than `plays` were made.
    public var end: Date?
    /// A year with a story instead of the same mix every day; nil keeps the mix.
    public var story: Story?

    /// How listening changes over time, so that playlists made from it have something to find: favourites that
    /// fade, songs discovered lately, songs never played.
    public struct Story: Sendable, Equatable {
        /// Half of the favourites are not played after this.
        public var fadeAfter: Date
        /// A seventh of the other songs are played only after this.
        public var discoverAfter: Date
        /// Another seventh of the other songs are never played.
        public var leavesSomeUnplayed: Bool

        public init(fadeAfter: Date, discoverAfter: Date, leavesSomeUnplayed: Bool = true) {
            self.fadeAfter = fadeAfter
            self.discoverAfter = discoverAfter
            self.leavesSomeUnplayed = leavesSomeUnplayed
        }
    }

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
        var plays: [Play] = []
        plays.reserveCapacity(self.plays)
        forEachPlay(from: library) { plays.append($0) }
        return plays
    }

    /// Hands each play to `body`, oldest first, without keeping them: a benchmark's million plays need no memory.
    public func forEachPlay(from library: EmulatorLibrary, _ body: (Play) throws -> Void) rethrows {
        var random = SeededRandom(seed: seed)
        let tracks = library.tracks.filter { !$0.unavailable }
        guard !tracks.isEmpty else { return }
        var clock = start
        // A tenth of the songs are favourites, and get half of the plays.
        let favourites = max(1, tracks.count / 10)
        for _ in 0..<plays {
            let pick = random.next() % 2 == 0 ? random.next() % UInt64(favourites) : random.next() % UInt64(tracks.count)
            let track = tracks[
                story.map { told(Int(pick), favourites: favourites, count: tracks.count, at: clock, $0) } ?? Int(pick)]
            let skipped = random.next() % 8 == 0
            let ms = skipped ? Int(3_000 + random.next() % 20_000) : track.durationMS
            // `ts` is to the second.
            var next = clock.timeIntervalSince1970 + Double(ms) / 1000 + Double(random.next() % (2 * averagePause))
            let hour = Int(next / 3600) % 24
            if (2..<7).contains(hour) {
                next = (next / 86_400).rounded(.down) * 86_400 + 7 * 3600 + Double(random.next() % 3600)
            }
            clock = Date(timeIntervalSince1970: next.rounded(.down))
            if let end, clock > end { return }
            try body(Play(track: track, endedAt: clock, msPlayed: ms, skipped: skipped))
        }
    }

    /// The song a story plays instead of `pick`: a faded favourite gives way to one still loved, and a song not yet
    /// discovered (or never to be played) to the next one that may be played.
    private func told(_ pick: Int, favourites: Int, count: Int, at clock: Date, _ story: Story) -> Int {
        if pick < favourites {
            let faded = favourites / 2
            guard clock > story.fadeAfter, pick < faded, favourites > faded else { return pick }
            return faded + pick % (favourites - faded)
        }
        let others = count - favourites
        var index = pick
        for _ in 0..<7 {
            let kind = (index - favourites) % 7
            let unplayed = kind == 0 && story.leavesSomeUnplayed
            let undiscovered = kind == 1 && clock < story.discoverAfter
            guard unplayed || undiscovered else { return index }
            index = favourites + (index - favourites + 1) % max(others, 1)
        }
        return index
    }

    /// Hands each file's plays to `body` (its index and plays), `perFile` at a time.
    func forEachChunk(from library: EmulatorLibrary, _ body: (Int, [Play]) throws -> Void) rethrows {
        var chunk: [Play] = []
        var index = 0
        try forEachPlay(from: library) { play in
            chunk.append(play)
            if chunk.count == perFile {
                try body(index, chunk)
                chunk.removeAll(keepingCapacity: true)
                index += 1
            }
        }
        if !chunk.isEmpty { try body(index, chunk) }
    }

    /// Extended streaming history files, by their names; one podcast record is added to the first.
    public func extendedFiles(from library: EmulatorLibrary) -> [String: Data] {
        var files: [String: Data] = ["Streaming_History_Video_2024.json": Data("[]".utf8)]
        forEachChunk(from: library) { index, chunk in
            let (name, data) = Self.extendedFile(index, chunk)
            files[name] = data
        }
        return files
    }

    /// Writes the extended streaming history files into `folder`, one at a time; returns their names.
    public func writeExtendedFiles(from library: EmulatorLibrary, into folder: URL) throws -> [String] {
        var names: [String] = []
        try forEachChunk(from: library) { index, chunk in
            let (name, data) = Self.extendedFile(index, chunk)
            try data.write(to: folder.appendingPathComponent(name))
            names.append(name)
        }
        return names
    }

    static func extendedFile(_ index: Int, _ chunk: [Play]) -> (String, Data) {
        var records: [JSONValue] = chunk.map(Self.extendedRecord)
        if index == 0, let first = chunk.first {
            records.append(Self.episodeRecord(endedAt: first.endedAt.addingTimeInterval(-30)))
        }
        let years = "\(Self.year(chunk.first!.endedAt))-\(Self.year(chunk.last!.endedAt))"
        return ("Streaming_History_Audio_\(years)_\(index).json", Data(JSONValue.array(records).serialized().utf8))
    }

    /// Account-data files: minute-precision end times, names and no URIs.
    public func accountFiles(from library: EmulatorLibrary) -> [String: Data] {
        var files: [String: Data] = [:]
        forEachChunk(from: library) { index, chunk in
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
