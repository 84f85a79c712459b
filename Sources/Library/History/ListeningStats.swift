import Foundation

/// Statistics over a listening history: pure functions of the plays, tested without a database.
///
/// A play **counts** when it lasted at least `minimumMS` (30 s by default, as Spotify counts a stream); a polled
/// play has no `ms_played` and counts as played in full. Plays that do not count are skips: kept and shown.
public struct ListeningStats: Sendable {
    /// What the statistics need of a play.
    public struct Play: Sendable, Equatable {
        public var endedAt: Date
        public var trackURI: String?
        public var trackName: String?
        public var artistName: String?
        public var albumName: String?
        public var msPlayed: Int?
        /// The track's length, from the catalogue: the time a polled play stands for.
        public var durationMS: Int?

        public init(
            endedAt: Date, trackURI: String?, trackName: String?, artistName: String?, albumName: String?, msPlayed: Int?,
            durationMS: Int?
        ) {
            self.endedAt = endedAt
            self.trackURI = trackURI
            self.trackName = trackName
            self.artistName = artistName
            self.albumName = albumName
            self.msPlayed = msPlayed
            self.durationMS = durationMS
        }

        /// How long it played: `ms_played`, or the track's length for a polled play.
        var listenedMS: Int { msPlayed ?? durationMS ?? 0 }
        /// A song, not a podcast episode or an audiobook.
        var isSong: Bool { trackURI.map { $0.hasPrefix("spotify:track:") } ?? (trackName != nil) }
    }

    public enum Kind: String, Sendable, CaseIterable { case tracks, artists, albums }
    public enum Order: String, Sendable, CaseIterable { case plays, time }

    public struct Entry: Sendable, Equatable, Encodable {
        public var key: String
        public var name: String
        public var artist: String?
        public var plays: Int
        public var listenedMS: Int
        public var firstPlayed: Date
        public var lastPlayed: Date
    }

    public struct Summary: Sendable, Equatable, Encodable {
        public var plays: Int
        public var skips: Int
        public var listenedMS: Int
        public var distinctTracks: Int
        public var distinctArtists: Int
        /// Plays of songs first heard in the period, and of songs heard before it.
        public var newPlays: Int
        public var repeatPlays: Int
        /// Counted plays per UTC day (`2026-11-30`).
        public var perDay: [String: Int]
        /// Counted plays by weekday (0 = Monday) and hour (UTC): 7 × 24.
        public var hourOfWeek: [[Int]]
        /// The most days in a row with at least one counted play.
        public var longestStreakDays: Int

        /// `perDay` by day number (days since 1970-01-01), for charts; not part of the API's answer.
        public var playsByDay: [Int: Int]

        enum CodingKeys: String, CodingKey {
            case plays, skips, listenedMS, distinctTracks, distinctArtists, newPlays, repeatPlays, perDay, hourOfWeek
            case longestStreakDays
        }
    }

    /// A period's totals, as the store sums them from `play_days`: what a summary is made of.
    public struct Totals: Sendable, Equatable {
        public var plays = 0
        public var skips = 0
        public var listenedMS = 0
        /// Counted plays by weekday (0 = Monday) and hour (UTC): 7 × 24.
        public var hourOfWeek = Array(repeating: Array(repeating: 0, count: 24), count: 7)
        /// Counted plays per day (days since 1970-01-01), for the days with any.
        public var perDay: [Int: Int] = [:]

        public init() {}
    }

    /// Spotify counts a stream from 30 seconds.
    public static let defaultMinimumMS = 30_000

    public let minimumMS: Int

    public init(minimumMS: Int = ListeningStats.defaultMinimumMS) { self.minimumMS = minimumMS }

    public func counts(_ play: Play) -> Bool { play.msPlayed.map { $0 >= minimumMS } ?? true }

    /// The top `limit` of a kind, most played (or longest listened) first; ties go to the earlier first play.
    public func top(_ kind: Kind, by order: Order, limit: Int, in plays: [Play]) -> [Entry] {
        var entries: [String: Entry] = [:]
        for play in plays where play.isSong && counts(play) {
            guard let (key, name, artist) = identity(kind, play) else { continue }
            if var entry = entries[key] {
                // Where a song's plays name it differently, the greatest name stands for it (as the store orders text).
                entry.name = max(entry.name, name)
                if let artist { entry.artist = max(entry.artist ?? artist, artist) }
                entry.plays += 1
                entry.listenedMS += play.listenedMS
                entry.firstPlayed = min(entry.firstPlayed, play.endedAt)
                entry.lastPlayed = max(entry.lastPlayed, play.endedAt)
                entries[key] = entry
            } else {
                entries[key] = Entry(
                    key: key, name: name, artist: artist, plays: 1, listenedMS: play.listenedMS, firstPlayed: play.endedAt,
                    lastPlayed: play.endedAt)
            }
        }
        let ranked = entries.values.sorted { a, b in
            let (x, y) = order == .plays ? (a.plays, b.plays) : (a.listenedMS, b.listenedMS)
            if x != y { return x > y }
            if a.firstPlayed != b.firstPlayed { return a.firstPlayed < b.firstPlayed }
            return a.key < b.key
        }
        return Array(ranked.prefix(max(0, limit)))
    }

    /// The period's totals, from its plays. `heardBefore` holds the songs (their keys) with a counted play before
    /// the period: a song is new in the period when its first counted play of all is in it.
    public func summary(of plays: [Play], heardBefore: Set<String>) -> Summary {
        var summary = Summary(
            plays: 0, skips: 0, listenedMS: 0, distinctTracks: 0, distinctArtists: 0, newPlays: 0, repeatPlays: 0,
            perDay: [:], hourOfWeek: Array(repeating: Array(repeating: 0, count: 24), count: 7), longestStreakDays: 0,
            playsByDay: [:])
        var tracks = Set<String>()
        var artists = Set<String>()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for play in plays.sorted(by: { $0.endedAt < $1.endedAt }) where play.isSong {
            guard counts(play) else {
                summary.skips += 1
                continue
            }
            summary.plays += 1
            summary.listenedMS += play.listenedMS
            let track = Self.trackKey(play)
            if heardBefore.contains(track) || tracks.contains(track) {
                summary.repeatPlays += 1
            } else {
                summary.newPlays += 1
            }
            tracks.insert(track)
            if let artist = play.artistName { artists.insert(artist) }
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .weekday], from: play.endedAt)
            let day = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
            summary.perDay[day, default: 0] += 1
            summary.playsByDay[RollupRanges.day(of: play.endedAt), default: 0] += 1
            // Calendar weekdays run from 1 (Sunday); the heat map's rows from Monday.
            let weekday = ((parts.weekday ?? 1) + 5) % 7
            summary.hourOfWeek[weekday][parts.hour ?? 0] += 1
        }
        summary.distinctTracks = tracks.count
        summary.distinctArtists = artists.count
        summary.longestStreakDays = Self.longestStreak(days: Array(summary.playsByDay.keys))
        return summary
    }

    /// The same summary, from the store's totals and what the roll-ups count: `newTracks` songs first heard in
    /// the period (each one's first play is new, every other play a repeat).
    public static func summary(totals: Totals, distinctTracks: Int, distinctArtists: Int, newTracks: Int) -> Summary {
        Summary(
            plays: totals.plays, skips: totals.skips, listenedMS: totals.listenedMS, distinctTracks: distinctTracks,
            distinctArtists: distinctArtists, newPlays: newTracks, repeatPlays: totals.plays - newTracks,
            perDay: Dictionary(uniqueKeysWithValues: totals.perDay.map { (RollupRanges.label(ofDay: $0.key), $0.value) }),
            hourOfWeek: totals.hourOfWeek, longestStreakDays: longestStreak(days: Array(totals.perDay.keys)),
            playsByDay: totals.perDay)
    }

    /// The most days in a row among `days` (day numbers, in any order).
    static func longestStreak(days: [Int]) -> Int {
        var longest = 0
        var current = 0
        var previous: Int?
        for day in Set(days).sorted() {
            current = previous == day - 1 ? current + 1 : 1
            longest = max(longest, current)
            previous = day
        }
        return longest
    }

    /// A song's identity: its URI, or its name and artist joined by the unit separator (as the roll-ups key it).
    public static func trackKey(_ play: Play) -> String {
        play.trackURI ?? (play.trackName ?? "") + "\u{1F}" + (play.artistName ?? "")
    }

    func identity(_ kind: Kind, _ play: Play) -> (key: String, name: String, artist: String?)? {
        switch kind {
        case .tracks:
            guard let name = play.trackName ?? play.trackURI else { return nil }
            return (Self.trackKey(play), name, play.artistName)
        case .artists:
            guard let artist = play.artistName else { return nil }
            return (artist, artist, nil)
        case .albums:
            guard let album = play.albumName else { return nil }
            return (album + "\u{1F}" + (play.artistName ?? ""), album, play.artistName)
        }
    }
}

/// What only Playkeeper can say, with the history beside the mirror: how much of each of the person's own
/// playlists was played, and which of their songs were never played since the history began.
public enum PlaylistListening {
    /// An entry of one of the person's own playlists.
    public struct Entry: Sendable, Equatable {
        public var playlistID: String
        public var playlistName: String
        public var uri: String
        public var trackName: String?
        public var addedAt: Date?

        public init(playlistID: String, playlistName: String, uri: String, trackName: String?, addedAt: Date?) {
            self.playlistID = playlistID
            self.playlistName = playlistName
            self.uri = uri
            self.trackName = trackName
            self.addedAt = addedAt
        }
    }

    public struct Coverage: Sendable, Equatable, Codable {
        public var id: String
        public var name: String
        /// Distinct songs in the playlist.
        public var songs: Int
        /// Of those, the songs played in the period.
        public var played: Int
    }

    public struct NeverPlayed: Sendable, Equatable, Encodable {
        public var uri: String
        public var name: String?
        public var playlist: String
        public var addedAt: Date?
    }

    /// Each playlist's songs and how many of them were played, in the playlists' order.
    public static func coverage(_ entries: [Entry], played: Set<String>) -> [Coverage] {
        var order: [String] = []
        var songs: [String: (name: String, uris: Set<String>)] = [:]
        for entry in entries {
            if songs[entry.playlistID] == nil {
                order.append(entry.playlistID)
                songs[entry.playlistID] = (entry.playlistName, [])
            }
            songs[entry.playlistID]?.uris.insert(entry.uri)
        }
        return order.compactMap { id in
            songs[id].map { Coverage(id: id, name: $0.name, songs: $0.uris.count, played: $0.uris.intersection(played).count) }
        }
    }

    /// The songs never played, each once (where it was added first), in the order they were added.
    public static func neverPlayed(_ entries: [Entry], everPlayed: Set<String>) -> [NeverPlayed] {
        var seen = Set<String>()
        return entries.filter { !everPlayed.contains($0.uri) }
            .sorted { ($0.addedAt ?? .distantPast, $0.uri) < ($1.addedAt ?? .distantPast, $1.uri) }
            .compactMap { entry in
                guard seen.insert(entry.uri).inserted else { return nil }
                return NeverPlayed(uri: entry.uri, name: entry.trackName, playlist: entry.playlistName, addedAt: entry.addedAt)
            }
    }
}

/// A period of the history, in whole days (UTC): the last 7, 30 or 90 days (today and the days before it), the
/// last 365 days, all time, or a range of days.
public struct ListeningPeriod: Sendable, Equatable {
    public var from: Date?
    public var to: Date?
    public var label: String

    /// The first day (days since 1970-01-01), and the day after the last; nil is open.
    public var fromDay: Int? { from.map(RollupRanges.day(of:)) }
    public var toDay: Int? { to.map(RollupRanges.day(of:)) }

    /// All of the history.
    public static let allTime = ListeningPeriod(from: nil, to: nil, label: "all time")

    public init(from: Date?, to: Date?, label: String) {
        self.from = from
        self.to = to
        self.label = label
    }

    /// `7d`, `30d`, `90d`, `1y`, `all`, or `2026-01-01..2026-03-31` (whole days, UTC).
    public static func parse(_ text: String, now: Date, field: String) throws -> ListeningPeriod {
        let day: TimeInterval = 86_400
        let today = RollupRanges.date(ofDay: RollupRanges.day(of: now))
        let last = { (days: Int, label: String) in
            ListeningPeriod(from: today.addingTimeInterval(-Double(days - 1) * day), to: nil, label: label)
        }
        switch text {
        case "7d": return last(7, "the last 7 days")
        case "30d": return last(30, "the last 30 days")
        case "90d": return last(90, "the last 90 days")
        case "1y": return last(365, "the last year")
        case "all": return allTime
        default:
            let parts = text.components(separatedBy: "..")
            guard parts.count == 2, let first = RollupRanges.day(label: parts[0]), let end = RollupRanges.day(label: parts[1])
            else {
                throw PlaykeeperError(.invalid, "\(field) is 7d, 30d, 90d, 1y, all or FROM..TO (2026-01-01..2026-03-31)")
            }
            guard first <= end else { throw PlaykeeperError(.invalid, "\(field): \(parts[0]) comes after \(parts[1])") }
            return ListeningPeriod(
                from: RollupRanges.date(ofDay: first), to: RollupRanges.date(ofDay: end + 1), label: "\(parts[0]) to \(parts[1])")
        }
    }
}
