import FluentKit
import Foundation
import SpotifyWebAPI
import Store

/// Imports one file of Spotify's history exports into the listening history, in one transaction (a killed
/// import is simply run again). Tracks are resolved locally, never through the Web API.
///
/// One play never counts twice:
/// - a record whose time is already stored (the same file again) adds nothing;
/// - a record of the same track within `matchTolerance` of a polled play is that play: the poll's row gains the
///   record's `ms_played` instead of a second row. `ts` marks when the play stopped, and so, mostly, does
///   `played_at`, which is matched against the record's end first and then against its start (`ts - ms_played`);
///   the tolerance shrinks to half the record's `ms_played`, so a song played twice in a row stays two plays.
public struct PlayImporter: Sendable {
    public let database: any Database
    public let user: UserRecord
    public let clock: any WallClock
    /// The play length from which a play counts, for the roll-ups.
    public var minimumMS = ListeningStats.defaultMinimumMS

    /// How far apart a polled and an exported play of one track may be and still be one play.
    public static let matchTolerance: TimeInterval = 10

    public init(database: any Database, user: UserRecord, clock: any WallClock = SystemClock()) {
        self.database = database
        self.user = user
        self.clock = clock
    }

    public struct FileReport: Sendable, Encodable, Equatable {
        public var file: String
        public var format: StreamingHistoryFile.Format
        public var records = 0
        /// New plays stored.
        public var added = 0
        /// Records that were a polled play already stored: it gained their `ms_played`.
        public var matchedPolls = 0
        /// Records stored before (the same file imported again).
        public var alreadyStored = 0
        /// Account-data records no known track matched by name and artist: kept by name.
        public var unresolved = 0
        /// Gaps in the polled history that this file covers, now closed.
        public var gapsClosed = 0
    }

    public func importFile(name: String, data: Data, format: StreamingHistoryFile.Format) async throws -> FileReport {
        var report = FileReport(file: name, format: format)
        guard format != .video else { return report }
        var plays = try StreamingHistoryFile.plays(in: data, name: name, format: format)
        report.records = plays.count
        if format == .account {
            let known = try await knownTracks(named: Set(plays.compactMap(\.trackName)))
            for index in plays.indices {
                let key = Self.key(plays[index].trackName, plays[index].artistName)
                plays[index].uri = key.flatMap { known[$0] }
                if plays[index].uri == nil { report.unresolved += 1 }
            }
        }
        guard let first = plays.map(\.endedAt).min(), let last = plays.map(\.endedAt).max() else { return report }
        // The polls a record may be: from the earliest start (a poll stamped with the start) to the last end.
        let earliest = plays.map { $0.endedAt.addingTimeInterval(-Double($0.msPlayed ?? 0) / 1000) }.min() ?? first
        let userID = try user.requireID()
        let now = clock.now
        let (parsed, counted) = (plays, report)
        let rollups = PlayRollups(userID: userID, minimumMS: minimumMS)
        try await rollups.ensureBuilt(on: database)
        return try await database.transaction { db in
            var report = counted
            let stored = try await PlayRecord.query(on: db).filter(\.$user.$id == userID)
                .filter(\.$playedAt >= earliest.addingTimeInterval(-Self.matchTolerance))
                .filter(\.$playedAt <= last.addingTimeInterval(Self.matchTolerance)).all()
            var times = Set(stored.map(\.playedAt))
            var polls: [String: [PlayRecord]] = [:]
            for play in stored where play.source == .poll { polls[play.trackURI ?? "", default: []].append(play) }
            var matched = Set<UUID>()
            var pending: [ExportedPlay] = []
            for play in parsed {
                if times.contains(play.endedAt) {
                    report.alreadyStored += 1
                } else {
                    pending.append(play)
                }
            }
            // A polled play is matched by its end first, then (for the polls that gave a start) by the start.
            for rule in [MatchRule.end, .start] {
                var unmatched: [ExportedPlay] = []
                for play in pending {
                    guard let uri = play.uri, let reference = rule.reference(play),
                        let poll = polls[uri]?.first(where: { poll in
                            guard let id = poll.id, !matched.contains(id) else { return false }
                            return abs(poll.playedAt.timeIntervalSince(reference)) <= Self.tolerance(play)
                        }), let id = poll.id
                    else {
                        unmatched.append(play)
                        continue
                    }
                    matched.insert(id)
                    report.matchedPolls += 1
                    if poll.msPlayed != play.msPlayed {
                        try await PlayRecord.query(on: db).filter(\.$id == id).set(\.$msPlayed, to: play.msPlayed).update()
                    }
                }
                pending = unmatched
            }
            var new: [ExportedPlay] = []
            for play in pending {
                // Two records of one time (account data is to the minute) are stored once.
                if times.insert(play.endedAt).inserted { new.append(play) } else { report.alreadyStored += 1 }
            }
            let rows = new.map { play in
                NewPlay(
                    playedAt: play.endedAt, trackURI: play.uri, trackName: play.trackName, artistName: play.artistName,
                    albumName: play.albumName, msPlayed: play.msPlayed, contextType: nil, contextURI: nil, source: .import,
                    raw: play.raw)
            }
            try await NewPlay.insert(rows, userID: userID, on: db)
            report.added = new.count
            if report.added > 0 || report.matchedPolls > 0 {
                try await rollups.refresh(
                    from: earliest.addingTimeInterval(-Self.matchTolerance),
                    through: last.addingTimeInterval(Self.matchTolerance),
                    on: db)
            }
            report.gapsClosed = try await PlayGapRecord.query(on: db).filter(\.$user.$id == userID).filter(\.$filledAt == nil)
                .filter(\.$startsAt >= first).filter(\.$endsAt <= last).count()
            try await PlayGapRecord.query(on: db).filter(\.$user.$id == userID).filter(\.$filledAt == nil)
                .filter(\.$startsAt >= first).filter(\.$endsAt <= last).set(\.$filledAt, to: now).update()
            return report
        }
    }

    /// The tolerance for one record: 10 s, or half its `ms_played`, so that a song played twice in a row, or a
    /// skip followed by the same song, stays two plays.
    static func tolerance(_ play: ExportedPlay) -> TimeInterval {
        min(matchTolerance, Double(play.msPlayed ?? 20_000) / 2_000)
    }

    /// Which moment of a record a polled `played_at` is compared with. Spotify's `played_at` is mostly the end of
    /// the play and sometimes its start (spotify/web-api issues 613 and 1083); `ts` is always the end.
    enum MatchRule {
        case end, start

        func reference(_ play: ExportedPlay) -> Date? {
            switch self {
            case .end: play.endedAt
            case .start: play.msPlayed.map { play.endedAt.addingTimeInterval(-Double($0) / 1000) }
            }
        }
    }

    /// Tracks the catalogue knows, by name and first artist (lowercased), for account data that has no URIs.
    func knownTracks(named names: Set<String>) async throws -> [String: String] {
        var known: [String: String] = [:]
        let list = Array(names)
        var start = 0
        while start < list.count {
            let chunk = Array(list[start..<min(start + 500, list.count)])
            for item in try await CatalogItemRecord.query(on: database).filter(\.$name ~~ chunk).filter(\.$kind == "track")
                .all()
            {
                let artist = item.artists?.components(separatedBy: ", ").first
                if let key = Self.key(item.name, artist), let uri = item.id { known[key] = known[key] ?? uri }
            }
            start += 500
        }
        return known
    }

    static func key(_ name: String?, _ artist: String?) -> String? {
        guard let name, let artist else { return nil }
        return name.lowercased() + "\u{1F}" + artist.lowercased()
    }
}
