import Crypto
import FluentKit
import Foundation
import Logging
import PlaykeeperJSON
import SQLKit
import SpotifyWebAPI
import Store

/// Keeps the playlists made from listening: their rules stored per person, evaluated over the history and the
/// mirror, and each playlist brought to its rule's result in Spotify by the fewest writes, journaled first and
/// read back after. The caller syncs first (under the person's lease), so the mirror holds every playlist as it is.
public struct SmartService: Sendable {
    public let database: any Database
    public let client: SpotifyClient
    public let user: UserRecord
    /// The play length from which a play counts (`PLAYKEEPER_COUNTS_AFTER`).
    public var minimumMS = ListeningStats.defaultMinimumMS
    public var logger = Logger(label: "playkeeper.smart")

    public init(database: any Database, client: SpotifyClient, user: UserRecord) {
        self.database = database
        self.client = client
        self.user = user
    }

    var now: Date { client.clock.now }

    var dedupe: DedupeService {
        var service = DedupeService(database: database, client: client, user: user)
        service.logger = logger
        return service
    }

    // MARK: Rules

    func records() async throws -> [SmartPlaylistRecord] {
        try await SmartPlaylistRecord.query(on: database).filter(\.$user.$id == user.requireID()).sort(\.$createdAt).all()
    }

    func record(_ key: String) async throws -> SmartPlaylistRecord? {
        try await SmartPlaylistRecord.query(on: database).filter(\.$user.$id == user.requireID()).filter(\.$key == key)
            .first()
    }

    static func decode(_ record: SmartPlaylistRecord) throws -> (settings: SmartSettings, state: SmartState) {
        (
            try JSONValueDecoder().decode(SmartSettings.self, from: record.settings),
            try JSONValueDecoder().decode(SmartState.self, from: record.state)
        )
    }

    func save(_ record: SmartPlaylistRecord, _ settings: SmartSettings, _ state: SmartState) async throws {
        record.settings = try JSONValue.text(encoding: settings)
        record.state = try JSONValue.text(encoding: state)
        record.updatedAt = now
        try await record.save(on: database)
    }

    /// The built-ins (off until turned on; `top-YEAR` once asked for) and the person's own rules.
    public func list() async throws -> [SmartPlaylistView] {
        let stored = try await records()
        var views: [SmartPlaylistView] = []
        for builtIn in SmartBuiltIn.offered where !stored.contains(where: { $0.key == builtIn.key }) {
            views.append(
                Self.view(
                    key: builtIn.key, settings: SmartSettings(name: builtIn.name, rule: builtIn.rule), state: SmartState(),
                    enabled: false, stored: false))
        }
        for record in stored {
            let (settings, state) = try Self.decode(record)
            views.append(Self.view(key: record.key, settings: settings, state: state, enabled: record.enabled))
        }
        let order = SmartBuiltIn.offered.map(\.key)
        return views.sorted { a, b in
            (order.firstIndex(of: a.key) ?? order.count, a.builtIn ? 0 : 1) < (
                order.firstIndex(of: b.key) ?? order.count, b.builtIn ? 0 : 1
            )
        }
    }

    static func view(key: String, settings: SmartSettings, state: SmartState, enabled: Bool, stored: Bool = true)
        -> SmartPlaylistView
    {
        let builtIn = SmartBuiltIn(key: key)
        return SmartPlaylistView(
            key: key, name: settings.name, summary: builtIn?.summary ?? Self.describe(settings.rule), builtIn: builtIn != nil,
            enabled: enabled, ranked: settings.rule.ranked, rule: settings.rule, keepAppEdits: settings.keepAppEdits,
            spotifyID: state.spotifyID, songs: state.lastWritten.count, refreshedAt: state.refreshedAt,
            offReason: state.offReason, stored: stored)
    }

    /// A rule in words: "up to 100 songs from history, window 90d, at least 3 plays, by plays".
    public static func describe(_ rule: SmartRule) -> String {
        var parts = [
            "up to \(rule.limit) songs from \(rule.sources.map(\.text).joined(separator: ", "))", "window \(rule.window)",
        ]
        if let minPlays = rule.minPlays { parts.append("at least \(minPlays) plays") }
        if let maxPlays = rule.maxPlays { parts.append("at most \(maxPlays) plays") }
        if let days = rule.notPlayedForDays { parts.append("not played for \(days) days") }
        if rule.newInWindow { parts.append("first played in the window") }
        if rule.skipped != .any { parts.append(rule.skipped == .only ? "skipped" : "never skipped") }
        if !rule.excludeArtists.isEmpty { parts.append("not by \(rule.excludeArtists.joined(separator: ", "))") }
        if !rule.excludePlaylists.isEmpty { parts.append("not in \(rule.excludePlaylists.joined(separator: ", "))") }
        parts.append("by \(rule.order.rawValue)\(rule.ranked ? ", ranked" : "")")
        return parts.joined(separator: ", ")
    }

    /// The settings of `key`: stored, or a built-in's before it was turned on.
    public func settings(_ key: String) async throws -> (record: SmartPlaylistRecord?, settings: SmartSettings, state: SmartState)
    {
        if let record = try await record(key) {
            let (settings, state) = try Self.decode(record)
            return (record, settings, state)
        }
        guard let builtIn = SmartBuiltIn(key: key) else {
            throw PlaykeeperError(.notFound, "no smart playlist \(key); 'playkeeper smart list' shows them")
        }
        return (nil, SmartSettings(name: builtIn.name, rule: builtIn.rule), SmartState())
    }

    /// One smart playlist as `list` shows it; an unknown key is `notFound`.
    public func view(_ key: String) async throws -> SmartPlaylistView {
        let (record, settings, state) = try await settings(key)
        return Self.view(key: key, settings: settings, state: state, enabled: record?.enabled ?? false, stored: record != nil)
    }

    /// Checks a rule against the clock and the mirror: a playlist it names must be one of the person's.
    public func validate(_ rule: SmartRule) async throws {
        let known = try await PlaylistRecord.query(on: database).filter(\.$user.$id == user.requireID())
            .filter(\.$goneAt == nil).all(\.$spotifyID)
        try rule.validate(now: now, known: Set(known))
    }

    /// Stores a rule of the person's own, on (created in Spotify at the next update). The key is a slug of the name.
    public func add(name: String, rule: SmartRule, keepAppEdits: Bool = true) async throws -> SmartPlaylistView {
        let trimmed = try SettingParsers.playlistName(name, field: "name")
        try await validate(rule)
        let key = Self.slug(trimmed)
        guard !key.isEmpty else { throw PlaykeeperError(.invalid, "name: \(trimmed) has no letter or digit to make a key of") }
        guard SmartBuiltIn(key: key) == nil else {
            throw PlaykeeperError(.conflict, "\(key) is a built-in's key; choose another name")
        }
        guard try await record(key) == nil else {
            throw PlaykeeperError(.conflict, "a smart playlist \(key) exists; remove it first or choose another name")
        }
        let settings = SmartSettings(name: trimmed, rule: rule, keepAppEdits: keepAppEdits)
        let record = try newRecord(key)
        try await save(record, settings, SmartState())
        return Self.view(key: key, settings: settings, state: SmartState(), enabled: true)
    }

    private func newRecord(_ key: String) throws -> SmartPlaylistRecord {
        let record = SmartPlaylistRecord()
        record.$user.id = try user.requireID()
        record.key = key
        record.enabled = true
        record.createdAt = now
        return record
    }

    /// Lower-case letters and digits, runs of anything else as one hyphen.
    static func slug(_ name: String) -> String {
        var slug = ""
        for character in name.lowercased() {
            if character.isLetter || character.isNumber, character.isASCII {
                slug.append(character)
            } else if !slug.isEmpty, slug.last != "-" {
                slug.append("-")
            }
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        return String(slug.prefix(60))
    }

    /// Changes a smart playlist: on or off (a built-in gets its row the first time), what happens to the person's
    /// edits in the app, and (for a rule of their own) the rule. Off stops the updates and leaves the playlist in
    /// Spotify as it is; on again after it was deleted in the app creates it anew at the next update.
    @discardableResult
    public func change(_ key: String, enabled: Bool? = nil, keepAppEdits: Bool? = nil, rule: SmartRule? = nil) async throws
        -> SmartPlaylistView
    {
        let (record, loadedSettings, loadedState) = try await settings(key)
        var (settings, state) = (loadedSettings, loadedState)
        let builtIn = SmartBuiltIn(key: key)
        if let rule {
            guard builtIn == nil else {
                throw PlaykeeperError(.refused, "\(key) is a built-in: its rule is fixed; write a rule of your own instead")
            }
            try await validate(rule)
            settings.rule = rule
        }
        if case .topSongs(let year)? = builtIn, record == nil {
            try await validate(settings.rule)
            let reader = HistoryReader(database: database, user: user, minimumMS: minimumMS)
            let years = HistoryReader.years(from: try await reader.firstPlay(), to: now)
            guard let years, years.contains(year) else {
                let covered = years.map { "covers \($0.lowerBound) to \($0.upperBound)" } ?? "is empty"
                throw PlaykeeperError(.invalid, "your history \(covered); no top songs of \(year)")
            }
        }
        let row = try record ?? newRecord(key)
        if let enabled {
            row.enabled = enabled
            if enabled { state.offReason = nil }
        }
        if let keepAppEdits { settings.keepAppEdits = keepAppEdits }
        try await save(row, settings, state)
        return Self.view(key: key, settings: settings, state: state, enabled: row.enabled)
    }

    /// Forgets a smart playlist. Its playlist stays in Spotify as it is, no longer kept.
    public func remove(_ key: String) async throws -> SmartPlaylistView {
        guard let record = try await record(key) else {
            throw PlaykeeperError(.notFound, "no smart playlist \(key) is stored; 'playkeeper smart list' shows them")
        }
        let (settings, state) = try Self.decode(record)
        try await record.delete(on: database)
        return Self.view(key: key, settings: settings, state: state, enabled: false)
    }

    /// The Spotify ids of the smart playlists: never sources of the unified playlist or of rules unless named.
    public static func managedIDs(of user: UserRecord, on database: any Database) async throws -> Set<String> {
        var ids = Set<String>()
        for record in try await SmartPlaylistRecord.query(on: database).filter(\.$user.$id == user.requireID()).all() {
            if let id = try decode(record).state.spotifyID { ids.insert(id) }
        }
        return ids
    }

    // MARK: Evaluating

    /// What the rule reads, from the store: the window's figures (and all of the history's when the rule looks
    /// there), the playlists it names or takes, and what the catalogue knows of their songs when it matches beyond
    /// URIs or leaves artists out.
    /// `narrowed`: let the database leave out the songs the rule cannot take (`FigureQuery`, `entryFilter`); the
    /// result is the same. `withNames`: read the sources' names with their entries (for songs shown); the result does
    /// not depend on them unless the rule matches beyond URIs or leaves artists out, which reads them anyway.
    public func input(for rule: SmartRule, period: ListeningPeriod, narrowed: Bool = true, withNames: Bool = true) async throws
        -> SmartInput
    {
        let reader = HistoryReader(database: database, user: user, minimumMS: minimumMS)
        // The playlists the rule reads: its sources, and those whose songs it leaves out (read whole).
        var read: [(playlist: HistoryReader.MirroredPlaylist, own: Bool)] = []
        let named = Set(rule.namedPlaylists)
        let takesOwn = rule.sources.contains(.allPlaylists)
        let takesLiked = rule.sources.contains(.liked)
        if takesOwn || takesLiked || !named.isEmpty {
            // The smart playlists and the unified playlist's shards (`UnifiedService.managedIDs` reads both).
            let managed = try await UnifiedService.managedIDs(of: user, on: database)
            for playlist in try await reader.mirroredPlaylists() where playlist.canReadItems {
                let own = !playlist.isLiked && playlist.ownerID == user.spotifyID && !managed.contains(playlist.spotifyID)
                if named.contains(playlist.spotifyID) || (takesOwn && own) || (takesLiked && playlist.isLiked) {
                    read.append((playlist, own))
                }
            }
        }
        let excluded = Set(rule.excludePlaylists)
        let sources = read.filter { !excluded.contains($0.playlist.spotifyID) }.map(\.playlist.id)
        let whole = read.filter { excluded.contains($0.playlist.spotifyID) }.map(\.playlist.id)
        let entryFilter = narrowed ? Self.entryFilter(rule, period: period) : .all

        let isAllTime = period.from == nil && period.to == nil
        let windowQuery =
            narrowed
            ? Self.figureQuery(rule, period: period, sources: sources, entryFilter: entryFilter, now: now)
            : HistoryReader.FigureQuery(minimumMS: rule.minMSPlayed)
        // Songs never played have no figures to read.
        let window =
            narrowed && Self.isNeverPlayed(rule, period) ? [:] : try await reader.songFigures(in: period, windowQuery)
        let needsAll =
            rule.notPlayedForDays != nil || rule.newInWindow || [.lastPlayed, .firstPlayed, .sources].contains(rule.order)
        // A rule that takes only what was played in its window needs the rest of the history for those songs alone;
        // one that takes only songs new in its window, for the songs first played since it began.
        var allQuery = HistoryReader.FigureQuery(minimumMS: rule.minMSPlayed)
        if narrowed && rule.sources == [.history] {
            if let since = Self.newSince(rule, period) { allQuery.firstFrom = since } else { allQuery.playedIn = period }
        }
        let allTime = !needsAll ? [:] : isAllTime ? window : try await reader.songFigures(in: .allTime, allQuery)

        let (sourceEntries, names) = try await reader.entries(of: sources, entryFilter, named: withNames)
        var entries = sourceEntries
        entries.merge(try await reader.entries(of: whole, .all, named: false).entries) { $1 }
        var playlists: [SmartInput.Playlist] = []
        for (playlist, own) in read {
            playlists.append(
                SmartInput.Playlist(
                    id: playlist.spotifyID, name: playlist.name,
                    placed: (entries[playlist.id] ?? []).map {
                        SmartInput.Playlist.Entry(uri: $0.uri, addedAt: $0.addedAt, position: $0.position)
                    },
                    isLiked: playlist.isLiked, isOwn: own))
        }

        // The sources' songs are named from the catalogue as they are read; a rule that matches beyond URIs or leaves
        // artists out reads the rest of what the catalogue knows.
        var songs: [String: SmartInput.Song] = [:]
        songs.reserveCapacity(names.count)
        for (uri, (name, artists)) in names {
            songs[uri] = SmartInput.Song(name: name, artists: artists?.components(separatedBy: ", ") ?? [])
        }
        if rule.match > .exact || !rule.excludeArtists.isEmpty {
            let uris = Set(window.keys).union(playlists.flatMap { $0.entries.map(\.uri) })
            for (uri, item) in try await CatalogItemRecord.lookup(Array(uris), on: database) {
                songs[uri] = Self.song(item)
            }
        }
        return SmartInput(window: window, allTime: allTime, playlists: playlists, songs: songs)
    }

    /// What the database can leave out of the sources for this rule without changing its result: songs never played
    /// in the window when it asks for plays, songs played too often when it caps them. Only for plays counted from the
    /// store's length, which the roll-ups hold.
    static func entryFilter(_ rule: SmartRule, period: ListeningPeriod) -> HistoryReader.EntryFilter {
        guard rule.minMSPlayed == nil else { return .all }
        if Self.isNeverPlayed(rule, period) { return .neverPlayed }
        if let minPlays = rule.minPlays, minPlays > 0 { return .playedIn(period) }
        if let maxPlays = rule.maxPlays { return .playedAtMost(maxPlays, in: period) }
        return .all
    }

    /// Whether the rule takes only songs never played since the history began, not even skipped (Never played): the
    /// database then finds them by the songs' keys, and their figures are none.
    static func isNeverPlayed(_ rule: SmartRule, _ period: ListeningPeriod) -> Bool {
        period.from == nil && period.to == nil && rule.maxPlays == 0 && rule.skipped == .none && rule.minMSPlayed == nil
            && !rule.sources.contains(.history)
    }

    /// What the database can leave out of the window's figures without changing the rule's result. A song left out
    /// reads as never played in the window: safe for a filter that such a song fails anyway (at least N plays,
    /// skipped), and, when the history is the only source (a song left out is no candidate at all), for every filter
    /// on the window; when the window is all of the history, also for "not played for N days". A rule whose every
    /// filter is pushed this way, ordered by plays or time listened, needs only its first `limit` songs.
    static func figureQuery(
        _ rule: SmartRule, period: ListeningPeriod, sources: [UUID], entryFilter: HistoryReader.EntryFilter, now: Date
    ) -> HistoryReader.FigureQuery {
        var query = HistoryReader.FigureQuery(minimumMS: rule.minMSPlayed)
        if let least = rule.minPlays, least > 0 { query.atLeastPlays = least }
        if rule.skipped == .only { query.skipped = true }
        let historyOnly = rule.sources == [.history]
        guard historyOnly else {
            // Only the songs the sources hold are candidates.
            if !rule.sources.contains(.history) { query.inPlaylists = (sources, entryFilter) }
            return query
        }
        query.atMostPlays = rule.maxPlays
        if rule.skipped == .none { query.skipped = false }
        query.firstFrom = newSince(rule, period)
        let isAllTime = period.from == nil && period.to == nil
        if isAllTime, let days = rule.notPlayedForDays { query.lastBefore = now.addingTimeInterval(-Double(days) * 86_400) }
        let everyFilterPushed =
            (rule.notPlayedForDays == nil || isAllTime) && !rule.newInWindow && rule.excludeArtists.isEmpty
            && rule.excludePlaylists.isEmpty && rule.match == .exact
        if everyFilterPushed, query.atLeastPlays != nil, rule.order == .plays || rule.order == .listened {
            query.top = (rule.order == .listened, rule.limit)
        }
        return query
    }

    /// When the rule takes only songs first played in its window (`newInWindow`), counted with the store's play
    /// length: the window's start, from which all time's figures per song find them. Nil otherwise.
    static func newSince(_ rule: SmartRule, _ period: ListeningPeriod) -> Date? {
        guard rule.newInWindow, rule.minMSPlayed == nil else { return nil }
        return period.from
    }

    static func song(_ item: CatalogItemRecord) -> SmartInput.Song {
        let artists = item.artists?.components(separatedBy: ", ") ?? []
        return SmartInput.Song(
            name: item.name, artists: artists, isrc: item.isrc,
            similarKey: DuplicateFinder.similarKey(name: item.name, artists: artists))
    }

    /// The rule's songs now, as URIs: what deciding whether a playlist is due reads (`isDue`), without the names and
    /// reasons that `evaluate` adds for showing them.
    public func result(_ rule: SmartRule) async throws -> [String] {
        let period = try rule.period(now: now)
        return rule.uris(try await input(for: rule, period: period, withNames: false), period: period, now: now)
    }

    /// The rule's songs now, with their names and why each is there.
    public func evaluate(_ rule: SmartRule) async throws -> [SmartSong] {
        let period = try rule.period(now: now)
        let given = try await input(for: rule, period: period)
        var songs = rule.evaluate(given, period: period, now: now)
        // Names for the songs shown: the catalogue's, for the few the rule chose.
        let unnamed = songs.filter { $0.name == nil }.map(\.uri)
        if !unnamed.isEmpty {
            let names = try await Self.names(of: unnamed, on: database)
            for index in songs.indices where songs[index].name == nil {
                guard let (name, artist) = names[songs[index].uri] else { continue }
                songs[index].name = name
                songs[index].artist = artist
            }
        }
        return songs
    }

    /// Each song's name and first artist from the catalogue, those two columns only, 500 songs to a query.
    static func names(of uris: [String], on database: any Database) async throws -> [String: (String?, String?)] {
        struct Row: Decodable {
            var uri: String
            var name: String?
            var artists: String?
        }
        var names: [String: (String?, String?)] = [:]
        for start in stride(from: 0, to: uris.count, by: 500) {
            let chunk = Array(uris[start..<min(start + 500, uris.count)])
            for row in try await database.sql().select().columns("uri", "name", "artists").from(CatalogItemRecord.schema)
                .where("uri", .in, chunk).all(decoding: Row.self)
            {
                names[row.uri] = (row.name, row.artists?.components(separatedBy: ", ").first)
            }
        }
        return names
    }

    static func signature(_ uris: [String]) -> String {
        Hex.string(SHA256.hash(data: Data(uris.joined(separator: "\n").utf8)))
    }

    // MARK: Updating

    /// What `update` would do, without writing: the songs, and the plan against the playlist as the mirror has it.
    /// `proposed` previews a rule that is not stored (the page's form, `smart preview --from …`).
    public func preview(_ key: String?, proposed: SmartSettings? = nil) async throws -> SmartReport {
        var settings: SmartSettings
        var state = SmartState()
        if let proposed {
            settings = proposed
            try await validate(settings.rule)
        } else {
            guard let key else { throw PlaykeeperError(.invalid, "name a smart playlist or a rule to preview") }
            (_, settings, state) = try await self.settings(key)
        }
        let songs = try await evaluate(settings.rule)
        let playlist = try await mirrored(state)
        var plan = try await plan(settings, state, songs: songs.map(\.uri), playlist: playlist)
        plan.report.status = "preview"
        plan.report.key = key ?? Self.slug(settings.name)
        plan.report.songs = songs
        if playlist == nil { plan.report.notes.append("\(settings.name) is created") }
        return plan.report
    }

    /// The playlist's mirror row, when it still exists.
    private func mirrored(_ state: SmartState) async throws -> PlaylistRecord? {
        guard let id = state.spotifyID else { return nil }
        return try await PlaylistRecord.query(on: database).filter(\.$user.$id == user.requireID())
            .filter(\.$spotifyID == id).filter(\.$goneAt == nil).first()
    }

    private struct Plan {
        var report: SmartReport
        var operations: [DedupePlan.Operation]
        var expected: [String]
        var current: [String]
        /// Songs the person removed, and added, in the app (kept out and kept while their edits stick).
        var personRemoved: Set<String>
        var personAdded: Set<String>
    }

    /// The writes that bring the playlist to the rule's result, keeping the person's edits when they chose so.
    private func plan(_ settings: SmartSettings, _ state: SmartState, songs: [String], playlist: PlaylistRecord?) async throws
        -> Plan
    {
        var current: [String] = []
        if let playlist { current = try await EntrySummary.of(playlist: playlist.requireID(), on: database).compactMap(\.uri) }
        var notes: [String] = []
        if let playlist, let snapshot = state.snapshotID, playlist.snapshotID != snapshot {
            notes.append(
                "\(playlist.name) was edited in the Spotify app since Playkeeper last wrote it; "
                    + (settings.keepAppEdits ? "your edits are kept" : "Playkeeper's list is put back"))
        }
        let present = Set(current)
        let written = Set(state.lastWritten)
        let wanted = Set(songs)
        var personRemoved = Set(state.remembered).subtracting(present)
        var personAdded = Set<String>()
        if playlist != nil, state.snapshotID != nil {
            personRemoved.formUnion(written.subtracting(present))
            personAdded = present.subtracting(written).subtracting(wanted)
        }
        if !settings.keepAppEdits {
            personRemoved = []
            personAdded = []
        }
        let kept = personRemoved.intersection(wanted).count
        if kept > 0 { notes.append("\(kept) song(s) you removed in the app stay out") }
        if !personAdded.isEmpty { notes.append("\(personAdded.count) song(s) you added in the app stay") }

        var target = songs.filter { !personRemoved.contains($0) }
        var operations: [DedupePlan.Operation] = []
        var report = SmartReport(
            status: "", key: "", name: settings.name, ranked: settings.rule.ranked, songs: [], strategy: "unchanged",
            writes: 0, alternative: nil, minimumMoves: nil, removed: 0, added: 0, moved: 0, journalID: nil,
            spotifyID: state.spotifyID, notes: notes, refreshedAt: state.refreshedAt)
        if settings.rule.ranked {
            // The ranking, then the person's own additions in their order.
            target += current.filter { personAdded.contains($0) }.reduce(into: [String]()) { list, uri in
                if !list.contains(uri) { list.append(uri) }
            }
            let ranked = RankedPlan(current: current, target: target)
            operations = ranked.writes.map(Self.operation)
            report.strategy = ranked.strategy.rawValue
            report.alternative = ranked.alternative
            report.minimumMoves = ranked.minimumMoves
        } else {
            let unranked = UnrankedPlan(current: current, target: target, keep: personAdded)
            operations = unranked.removals.map(DedupePlan.Operation.remove) + unranked.appends.map(DedupePlan.Operation.append)
            target = unranked.expected
            report.strategy = operations.isEmpty ? "unchanged" : "append"
        }
        for operation in operations {
            switch operation {
            case .remove(let uris): report.removed += uris.count
            case .add(let uris, _), .append(let uris): report.added += uris.count
            case .replace(let uris): report.added += uris.count
            case .move(_, _, let length): report.moved += length
            }
        }
        report.writes = operations.count + (playlist == nil ? 1 : 0)
        return Plan(
            report: report, operations: operations, expected: target, current: current, personRemoved: personRemoved,
            personAdded: personAdded)
    }

    static func operation(_ write: RankedPlan.Write) -> DedupePlan.Operation {
        switch write {
        case .replace(let uris): .replace(uris)
        case .add(let uris, let position?): .add(uris, position: position)
        case .add(let uris, nil): .append(uris)
        case .remove(let uris): .remove(uris)
        case .move(let start, let before, let length): .move(rangeStart: start, insertBefore: before, rangeLength: length)
        }
    }

    /// Whether an automatic refresh of `key` is due: on, not refreshed within `interval`, and its result changed.
    public func isDue(_ key: String, interval: TimeInterval) async throws -> Bool {
        guard let record = try await record(key), record.enabled else { return false }
        let (settings, state) = try Self.decode(record)
        if let refreshed = state.refreshedAt, now.timeIntervalSince(refreshed) < interval { return false }
        guard state.spotifyID != nil else { return true }
        return Self.signature(try await result(settings.rule)) != state.resultSignature
    }

    /// The keys of the smart playlists that are on.
    public func enabledKeys() async throws -> [String] {
        try await records().filter(\.enabled).map(\.key)
    }

    /// The keys of the smart playlists that are on and due (`isDue`), in list order.
    public func dueKeys(interval: TimeInterval) async throws -> [String] {
        var due: [String] = []
        for key in try await enabledKeys() where try await isDue(key, interval: interval) { due.append(key) }
        return due
    }

    /// Brings one smart playlist to its rule's result: created first when it has no playlist yet (with the
    /// creation marker), then journaled, written, read back and compared.
    public func update(_ key: String) async throws -> SmartReport {
        guard let record = try await record(key), record.enabled else {
            throw PlaykeeperError(.refused, "\(key) is off; turn it on with 'playkeeper smart enable \(key)'")
        }
        var (settings, state) = try Self.decode(record)
        var playlist = try await mirrored(state)
        if state.spotifyID != nil, playlist == nil {
            // Deleted in the app: the rule is turned off, and recreating it is the person's choice.
            let reason = "\(settings.name) was deleted in the Spotify app; it is off until you turn it on again"
            record.enabled = false
            state = SmartState()
            state.offReason = reason
            try await save(record, settings, state)
            return SmartReport(
                status: "turned off", key: key, name: settings.name, ranked: settings.rule.ranked, songs: [],
                strategy: "unchanged", writes: 0, alternative: nil, minimumMoves: nil, removed: 0, added: 0, moved: 0,
                journalID: nil, spotifyID: nil, notes: [reason], refreshedAt: nil)
        }
        let songs = try await evaluate(settings.rule)
        var status = "updated"
        if playlist == nil {
            // The intent first, with the marker the new playlist will carry.
            let marker = CreatedPlaylist.newMarker()
            state.creating = marker
            try await save(record, settings, state)
            let created = try await CreatedPlaylist.create(
                name: settings.name, description: SmartBuiltIn(key: key)?.summary ?? Self.describe(settings.rule) + ".",
                marker: marker, isPublic: false, client: client, user: user, on: database)
            state = SmartState()
            state.spotifyID = created.spotifyID
            try await save(record, settings, state)
            playlist = created
            status = "created"
        }
        guard let playlist else { throw PlaykeeperError(.internal, "\(settings.name) has no playlist after its creation") }
        var plan = try await plan(settings, state, songs: songs.map(\.uri), playlist: playlist)
        plan.report.key = key
        plan.report.songs = songs
        plan.report.spotifyID = playlist.spotifyID
        if status == "created" { plan.report.writes += 1 }

        state.remembered = plan.personRemoved.sorted()
        if !plan.operations.isEmpty {
            // Until the writes are verified, only songs both written before and still wanted count as written: a
            // song missing after an interrupted run is then never mistaken for one the person removed.
            let expected = Set(plan.expected)
            state.lastWritten = state.lastWritten.filter { expected.contains($0) }
            try await save(record, settings, state)
            let journal = try await dedupe.journalFirst(
                kind: .smart, playlist: playlist, snapshot: playlist.snapshotID,
                entries: plan.current.map { DedupeService.PlanBody.Entry(uri: $0, addedAt: nil, isLocal: false) },
                operations: plan.operations)
            plan.report.journalID = journal.id
            let done = try await dedupe.run(plan.operations, expected: plan.expected, journal: journal, playlist: playlist)
            if done.status != .verified { status = done.status.rawValue }
            state.snapshotID = done.snapshotAfter
        } else {
            if status != "created" { status = "unchanged" }
            state.snapshotID = playlist.snapshotID
        }
        state.lastWritten = plan.expected.filter { !plan.personAdded.contains($0) }
        state.resultSignature = Self.signature(songs.map(\.uri))
        state.refreshedAt = now
        try await save(record, settings, state)
        plan.report.status = status
        plan.report.refreshedAt = state.refreshedAt
        return plan.report
    }

    // MARK: Recovery

    /// Whether a creation was interrupted (an intent saved, the playlist perhaps made).
    static func hasUnfinishedCreation(of user: UserRecord, on database: any Database) async throws -> Bool {
        for record in try await SmartPlaylistRecord.query(on: database).filter(\.$user.$id == user.requireID()).all()
        where try decode(record).state.creating != nil {
            return true
        }
        return false
    }

    /// After a run was interrupted while creating a smart playlist: keeps the playlist found by its marker, or, when
    /// Spotify never made it, forgets the intent so that the next update creates it.
    func recoverCreations() async throws -> [RecoveryOutcome] {
        var outcomes: [RecoveryOutcome] = []
        for record in try await records() {
            var (settings, state) = try Self.decode(record)
            guard let marker = state.creating else { continue }
            state.creating = nil
            guard let found = try await CreatedPlaylist.find(marker, client: client) else {
                try await save(record, settings, state)
                outcomes.append(
                    RecoveryOutcome(
                        journalID: nil, playlist: settings.name, status: .abandoned,
                        summary: "its creation was interrupted before Spotify made it; the next update creates it"))
                continue
            }
            let adopted = try await CreatedPlaylist.adopt(found, name: settings.name, user: user, on: database)
            state.spotifyID = adopted.spotifyID
            try await save(record, settings, state)
            outcomes.append(
                RecoveryOutcome(
                    journalID: nil, playlist: settings.name, status: .verified,
                    summary: "its creation was interrupted after Spotify made it; found by its marker \(marker) and kept"))
        }
        return outcomes
    }

    /// After an undo or a recovery settled a change of a smart playlist, records the list as it is as Playkeeper's,
    /// so that the next update does not take it for the person's edits.
    func noteSettled(_ playlist: PlaylistRecord, by journal: JournalRecord) async throws {
        for record in try await records() {
            var (settings, state) = try Self.decode(record)
            guard state.spotifyID == playlist.spotifyID else { continue }
            state.lastWritten = try await EntrySummary.of(playlist: playlist.requireID(), on: database).compactMap(\.uri)
            state.snapshotID = journal.snapshotAfter
            state.resultSignature = nil
            try await save(record, settings, state)
        }
    }
}
