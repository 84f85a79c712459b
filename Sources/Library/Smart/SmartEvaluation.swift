import Foundation

/// What a rule reads, as values: the history's figures per song and the mirror's playlists. `SmartService` reads
/// them from the store; tests write them by hand.
public struct SmartInput: Sendable {
    /// A song's plays in a stretch of time.
    public struct Figures: Sendable, Equatable {
        public var plays: Int
        public var skips: Int
        public var listenedMS: Int
        /// The first and last counted plays.
        public var firstAt: Date?
        public var lastAt: Date?

        public init(plays: Int, skips: Int = 0, listenedMS: Int = 0, firstAt: Date? = nil, lastAt: Date? = nil) {
            self.plays = plays
            self.skips = skips
            self.listenedMS = listenedMS
            self.firstAt = firstAt
            self.lastAt = lastAt
        }
    }

    public struct Playlist: Sendable, Equatable {
        /// A song of the playlist, at its position in the playlist (a database that leaves some entries out keeps
        /// the others' positions).
        public struct Entry: Sendable, Equatable {
            public var uri: String
            public var addedAt: Date?
            public var position: Int

            public init(uri: String, addedAt: Date?, position: Int) {
                self.uri = uri
                self.addedAt = addedAt
                self.position = position
            }
        }

        public var id: String
        public var name: String
        /// The playlist's songs in order, with when each was added.
        public var entries: [Entry]
        public var isLiked: Bool
        /// Owned by the person and not kept by Playkeeper: what `all-playlists` takes.
        public var isOwn: Bool

        public init(id: String, name: String, placed entries: [Entry], isLiked: Bool = false, isOwn: Bool = true) {
            self.id = id
            self.name = name
            self.entries = entries
            self.isLiked = isLiked
            self.isOwn = isOwn
        }

        /// A playlist of these songs, at positions 0, 1, …
        public init(id: String, name: String, entries: [(uri: String, addedAt: Date?)], isLiked: Bool = false, isOwn: Bool = true)
        {
            self.init(
                id: id, name: name,
                placed: entries.enumerated().map { Entry(uri: $1.uri, addedAt: $1.addedAt, position: $0) },
                isLiked: isLiked, isOwn: isOwn)
        }
    }

    /// What is known of a song, for names, artist exclusions and matching.
    public struct Song: Sendable, Equatable {
        public var name: String?
        public var artists: [String]
        public var isrc: String?
        /// `DuplicateFinder.similarKey` of its title and artists.
        public var similarKey: String?

        public init(name: String?, artists: [String], isrc: String? = nil, similarKey: String? = nil) {
            self.name = name
            self.artists = artists
            self.isrc = isrc
            self.similarKey = similarKey
        }
    }

    /// Plays in the rule's window, by track URI.
    public var window: [String: Figures]
    /// Plays since the history began, by track URI: a song missing here was never played.
    public var allTime: [String: Figures]
    /// The person's playlists in list order (only those the rule reads need be here).
    public var playlists: [Playlist]
    public var songs: [String: Song]

    public init(
        window: [String: Figures], allTime: [String: Figures], playlists: [Playlist] = [], songs: [String: Song] = [:]
    ) {
        self.window = window
        self.allTime = allTime
        self.playlists = playlists
        self.songs = songs
    }
}

/// One song of a smart playlist, and why it is there.
public struct SmartSong: Codable, Sendable, Equatable {
    public var uri: String
    public var name: String?
    public var artist: String?
    /// Counted plays in the rule's window.
    public var plays: Int
    /// "12 plays in the last 30 days", "never played; in Road trip since 2025-03-01", …
    public var reason: String
}

extension SmartRule {
    /// The rule's songs, in order: a pure function of what the history and the mirror hold and of the time.
    ///
    /// Candidates are the songs played in the window (source `history`) and the songs of the named playlists; only
    /// tracks (`spotify:track:`) are taken. The filters apply to the window's plays, except `notPlayedForDays`
    /// and `newInWindow`, which look at all of the history. At the match level, the first song of each kind stays.
    public func evaluate(_ input: SmartInput, period: ListeningPeriod, now: Date) -> [SmartSong] {
        select(input, period: period, now: now).map { scored in
            let candidate = scored.candidate
            let song = input.songs[candidate.uri]
            return SmartSong(
                uri: candidate.uri, name: song?.name, artist: song?.artists.first, plays: scored.figures.plays,
                reason: reason(scored.figures, all: scored.all, candidate.playlist, candidate.addedAt, period))
        }
    }

    /// The rule's songs, in order, as URIs only: the same songs as `evaluate`, without the words that explain them
    /// (what deciding whether a playlist changed needs).
    public func uris(_ input: SmartInput, period: ListeningPeriod, now: Date) -> [String] {
        select(input, period: period, now: now).map(\.candidate.uri)
    }

    /// The candidates that pass the filters, ordered, one per song at the match level, at most `limit`.
    private func select(_ input: SmartInput, period: ListeningPeriod, now: Date) -> [Scored] {
        var candidates: [String: Candidate] = [:]
        candidates.reserveCapacity(input.window.count + input.playlists.reduce(0) { $0 + $1.entries.count })
        func offer(_ uri: String, addedAt: Date?, source: Int, position: Int, playlist: String?) {
            guard uri.hasPrefix("spotify:track:") else { return }
            let candidate = Candidate(uri: uri, addedAt: addedAt, source: source, position: position, playlist: playlist)
            guard let known = candidates[uri] else {
                candidates[uri] = candidate
                return
            }
            // A song in several sources counts from where it was added first.
            if candidate.addedEarlier(than: known) { candidates[uri] = candidate }
        }
        for (index, source) in sources.enumerated() {
            switch source {
            case .history:
                for (uri, figures) in input.window where figures.plays + figures.skips > 0 {
                    offer(uri, addedAt: nil, source: index, position: 0, playlist: nil)
                }
            case .liked, .playlist, .allPlaylists:
                for playlist in input.playlists where Self.takes(source, playlist) {
                    for entry in playlist.entries {
                        offer(entry.uri, addedAt: entry.addedAt, source: index, position: entry.position, playlist: playlist.name)
                    }
                }
            }
        }

        let excludedURIs = Set(
            input.playlists.filter { excludePlaylists.contains($0.id) }.flatMap { $0.entries.map(\.uri) })
        let excludedArtists = Set(excludeArtists.map { $0.lowercased() })
        let since = notPlayedForDays.map { now.addingTimeInterval(-Double($0) * 86_400) }
        let none = SmartInput.Figures(plays: 0)
        // Each candidate's figures looked up once, and its order's measure with them.
        var kept: [Scored] = []
        kept.reserveCapacity(candidates.count)
        for candidate in candidates.values {
            let figures = input.window[candidate.uri] ?? none
            if let minPlays, figures.plays < minPlays { continue }
            if let maxPlays, figures.plays > maxPlays { continue }
            switch skipped {
            case .any: break
            case .only: if figures.skips == 0 { continue }
            case .none: if figures.skips > 0 { continue }
            }
            let all = input.allTime[candidate.uri]
            if let since, let last = all?.lastAt, last >= since { continue }
            if newInWindow {
                guard let first = all?.firstAt, period.from.map({ first >= $0 }) ?? true else { continue }
            }
            if excludedURIs.contains(candidate.uri) { continue }
            if !excludedArtists.isEmpty,
                input.songs[candidate.uri]?.artists.contains(where: { excludedArtists.contains($0.lowercased()) }) ?? false
            {
                continue
            }
            let measure: (Double, Double) =
                switch order {
                case .plays: (Double(figures.plays), Double(figures.listenedMS))
                case .listened: (Double(figures.listenedMS), Double(figures.plays))
                case .lastPlayed: ((all?.lastAt ?? .distantPast).timeIntervalSinceReferenceDate, 0)
                case .firstPlayed: ((all?.firstAt ?? .distantPast).timeIntervalSinceReferenceDate, 0)
                case .sources: (0, 0)
                }
            kept.append(Scored(candidate: candidate, figures: figures, all: all, measure: measure))
        }

        // Sorted by index: a `Scored` is large, and a sort moves what it sorts (the five built-ins: 24 ms a run against 7).
        let byAdding = order == .sources
        let sorted = kept.indices.sorted { i, j in
            let (a, b) = (kept[i], kept[j])
            if byAdding {
                if a.candidate.addedEarlier(than: b.candidate) { return true }
                if b.candidate.addedEarlier(than: a.candidate) { return false }
            } else if a.measure != b.measure {
                return a.measure > b.measure
            }
            // Ties: the song first heard earlier, then the URI, so that the order never depends on the input's.
            let (p, q) = (a.figures.firstAt ?? .distantFuture, b.figures.firstAt ?? .distantFuture)
            if p != q { return p < q }
            return a.candidate.uri < b.candidate.uri
        }

        // One copy per song: at `recording` also one per ISRC, at `similar` also one per title and artists.
        // Candidates are one per URI already: at `exact`, the first `limit` are the result.
        guard match > .exact else { return sorted.prefix(max(0, limit)).map { kept[$0] } }
        var seen = Set<String>()
        var chosen: [Scored] = []
        for scored in sorted.lazy.map({ kept[$0] }) {
            guard chosen.count < limit else { break }
            let uri = scored.candidate.uri
            let song = input.songs[uri]
            var keys = ["uri:" + uri]
            if let isrc = song?.isrc, !isrc.isEmpty { keys.append("isrc:" + isrc.uppercased()) }
            if match >= .similar, let similar = song?.similarKey { keys.append("similar:" + similar) }
            guard !keys.contains(where: seen.contains) else { continue }
            seen.formUnion(keys)
            chosen.append(scored)
        }
        return chosen
    }

    private static func takes(_ source: Source, _ playlist: SmartInput.Playlist) -> Bool {
        switch source {
        case .history: false
        case .liked: playlist.isLiked
        case .allPlaylists: playlist.isOwn && !playlist.isLiked
        case .playlist(let id): playlist.id == id
        }
    }

    /// Why a song is there, in the words of what chose it.
    private func reason(
        _ figures: SmartInput.Figures, all: SmartInput.Figures?, _ playlist: String?, _ addedAt: Date?,
        _ period: ListeningPeriod
    ) -> String {
        let day = { (date: Date) in RollupRanges.label(ofDay: RollupRanges.day(of: date)) }
        // "in the last 30 days", "in 2025", "from 2026-01-01 to 2026-03-31", or nothing for all time.
        let during =
            period.from == nil && period.to == nil
            ? "" : period.label.hasPrefix("the ") || Int(period.label) != nil ? " in \(period.label)" : " from \(period.label)"
        let plays = "\(figures.plays) play\(figures.plays == 1 ? "" : "s")\(during)"
        switch order {
        case .plays:
            if notPlayedForDays != nil, let last = all?.lastAt { return "\(plays), the last on \(day(last))" }
            return plays
        case .listened:
            return "\(figures.listenedMS / 60_000) min listened\(during) (\(figures.plays) plays)"
        case .lastPlayed:
            return all?.lastAt.map { "last played on \(day($0))" } ?? "never played"
        case .firstPlayed:
            return all?.firstAt.map { "first played on \(day($0))" } ?? "never played"
        case .sources:
            let place = playlist.map { name in "in \(name)" + (addedAt.map { " since \(day($0))" } ?? "") }
            return [all == nil ? "never played" : plays, place].compactMap { $0 }.joined(separator: "; ")
        }
    }
}

/// A candidate that passed the filters, with its figures and its order's measure (greater first).
private struct Scored {
    var candidate: Candidate
    var figures: SmartInput.Figures
    var all: SmartInput.Figures?
    var measure: (Double, Double)
}

/// A song a rule may take, and where it was found first.
private struct Candidate {
    var uri: String
    var addedAt: Date?
    var source: Int
    var position: Int
    var playlist: String?

    /// Earliest `added_at` first (an entry without one after those with one), then source order, then position.
    func addedEarlier(than other: Candidate) -> Bool {
        switch (addedAt, other.addedAt) {
        case let (x?, y?) where x != y: x < y
        case (_?, nil): true
        case (nil, _?): false
        default: (source, position) < (other.source, other.position)
        }
    }
}
