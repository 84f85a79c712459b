import Crypto
import FluentKit
import Foundation
import SQLKit
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
        /// The same file (by its SHA-256) was imported before: it was not read again.
        public var importedBefore = false
        /// The times of the plays this file added or changed, for the roll-ups; nil when it changed none.
        var changed: ClosedRange<Date>?

        enum CodingKeys: String, CodingKey {
            case file, format, records, added, matchedPolls, alreadyStored, unresolved, gapsClosed, importedBefore
        }
    }

    /// A file read and parsed, before anything is stored: what a pipeline prepares while the previous file is
    /// being written.
    public struct PreparedFile: Sendable {
        public var name: String
        public var format: StreamingHistoryFile.Format
        /// SHA-256 of the file's bytes, in hex: the same file imported again is known by it.
        public var digest: String
        public var plays: [ExportedPlay]
    }

    /// A file of an export, read, or known from before.
    public enum Prepared: Sendable {
        case file(PreparedFile)
        case known(FileReport)
    }

    /// The digests of the files this person imported.
    func importedDigests() async throws -> Set<String> {
        struct Row: Decodable { var digest: String }
        let rows = try await database.sql().select().column("digest").from(ImportedFile.schema)
            .where("user_id", .equal, SQLBind(try user.requireID())).all(decoding: Row.self)
        return Set(rows.map(\.digest))
    }

    /// Reads a file of an export and its plays, unless it holds no plays (video) or is one of `known` (imported
    /// before). It needs no database, so it runs while the last file is written.
    static func prepare(_ source: HistoryFileSource, known: Set<String>) throws -> Prepared {
        guard source.format != .video else { return .known(FileReport(file: source.name, format: .video)) }
        let data = try source.read()
        let digest = Self.digest(of: data)
        if known.contains(digest) {
            return .known(FileReport(file: source.name, format: source.format, importedBefore: true))
        }
        return .file(
            PreparedFile(
                name: source.name, format: source.format, digest: digest,
                plays: try StreamingHistoryFile.plays(in: data, name: source.name, format: source.format)))
    }

    /// Stores a prepared file, or reports the one known before.
    func store(_ prepared: Prepared) async throws -> FileReport {
        switch prepared {
        case .file(let file): try await store(file)
        case .known(let report): report
        }
    }

    public static func digest(of data: Data) -> String {
        Hex.string(SHA256.hash(data: data))
    }

    /// Stores a prepared file's plays and its digest in one transaction, and marks the days it changed for
    /// `PlayRollups.settle` (the export's import settles once, at its end).
    func store(_ file: PreparedFile) async throws -> FileReport {
        var report = FileReport(file: file.name, format: file.format)
        guard file.format != .video else { return report }
        var plays = file.plays
        report.records = plays.count
        if file.format == .account {
            let known = try await knownTracks(named: Set(plays.compactMap(\.trackName)))
            for index in plays.indices {
                let key = Self.key(plays[index].trackName, plays[index].artistName)
                plays[index].uri = key.flatMap { known[$0] }
                if plays[index].uri == nil { report.unresolved += 1 }
            }
        }
        let userID = try user.requireID()
        let now = clock.now
        let (parsed, counted, digest) = (plays, report, file.digest)
        let rollups = PlayRollups(userID: userID, minimumMS: minimumMS)
        return try await database.transaction { db in
            var report = counted
            if let first = parsed.map(\.endedAt).min(), let last = parsed.map(\.endedAt).max() {
                // The polls a record may be: from the earliest start (a poll stamped with the start) to the last end.
                let earliest = parsed.map { $0.endedAt.addingTimeInterval(-Double($0.msPlayed ?? 0) / 1000) }.min() ?? first
                try await Self.store(
                    parsed, userID: userID, range: earliest...last, report: &report, on: db)
                report.gapsClosed = try await PlayGapRecord.query(on: db).filter(\.$user.$id == userID)
                    .filter(\.$filledAt == nil).filter(\.$startsAt >= first).filter(\.$endsAt <= last).count()
                try await PlayGapRecord.query(on: db).filter(\.$user.$id == userID).filter(\.$filledAt == nil)
                    .filter(\.$startsAt >= first).filter(\.$endsAt <= last).set(\.$filledAt, to: now).update()
            }
            try await db.sql().insert(into: ImportedFile.schema)
                .columns("user_id", "digest", "name", "records", "added", "imported_at")
                .values(
                    SQLBind(userID), SQLBind(digest), SQLBind(String(report.file.suffix(300))), SQLBind(report.records),
                    SQLBind(report.added), SQLBind(now)
                )
                .ignoringConflicts(with: ["user_id", "digest"]).run()
            if let changed = report.changed {
                try await rollups.markForSettling(from: changed.lowerBound, through: changed.upperBound, on: db)
            }
            return report
        }
    }

    /// A stored play, as the matching needs it.
    struct StoredPlay: Decodable {
        var id: UUID
        var played_at: Date
        var track_uri: String?
        var ms_played: Int?
        var source: String
    }

    /// Matches the records against the plays stored around them, updates the polled plays they are, and stores
    /// the rest.
    static func store(
        _ parsed: [ExportedPlay], userID: UUID, range: ClosedRange<Date>, report: inout FileReport, on db: any Database
    ) async throws {
        let stored = try await db.sql().select().columns("id", "played_at", "track_uri", "ms_played", "source")
            .from(PlayRecord.schema).where("user_id", .equal, SQLBind(userID))
            .where("played_at", .greaterThanOrEqual, SQLBind(range.lowerBound.addingTimeInterval(-matchTolerance)))
            .where("played_at", .lessThanOrEqual, SQLBind(range.upperBound.addingTimeInterval(matchTolerance)))
            .all(decoding: StoredPlay.self)
        var times = Set(stored.map(\.played_at))
        var polls: [String: [StoredPlay]] = [:]
        for play in stored where play.source == PlaySource.poll.rawValue { polls[play.track_uri ?? "", default: []].append(play) }
        var matched = Set<UUID>()
        var pending: [ExportedPlay] = []
        for play in parsed {
            if times.contains(play.endedAt) {
                report.alreadyStored += 1
            } else {
                pending.append(play)
            }
        }
        var changed: [Date] = []
        // A polled play is matched by its end first, then (for the polls that gave a start) by the start.
        for rule in [MatchRule.end, .start] {
            var unmatched: [ExportedPlay] = []
            for play in pending {
                guard let uri = play.uri, let reference = rule.reference(play),
                    let poll = polls[uri]?.first(where: { poll in
                        !matched.contains(poll.id) && abs(poll.played_at.timeIntervalSince(reference)) <= tolerance(play)
                    })
                else {
                    unmatched.append(play)
                    continue
                }
                matched.insert(poll.id)
                report.matchedPolls += 1
                if poll.ms_played != play.msPlayed {
                    try await PlayRecord.query(on: db).filter(\.$id == poll.id).set(\.$msPlayed, to: play.msPlayed).update()
                    changed.append(poll.played_at)
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
        changed += new.map(\.endedAt)
        if let first = changed.min(), let last = changed.max() { report.changed = first...last }
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
