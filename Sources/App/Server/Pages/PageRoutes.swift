import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import SQLKit
import Store
import Vapor

/// The web page: the library, a playlist with its duplicates, the unified playlist, the journal, the account.
struct PageRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(use: home)
        let signedIn = routes.grouped(RequireSession())
        signedIn.post("sync", use: sync)
        signedIn.get("playlists", ":id", use: playlist)
        signedIn.post("playlists", ":id", "apply", use: apply)
        signedIn.get("unified", use: unified)
        signedIn.post("unified", use: saveUnified)
        signedIn.post("unified", "update", use: updateUnified)
        signedIn.get("journal", use: journal)
        signedIn.post("journal", ":id", "undo", use: undo)
        signedIn.get("listening", use: listening)
        signedIn.on(.POST, "listening", "import", body: .collect(maxSize: HistoryRoutes.uploadLimit), use: importHistory)
        signedIn.get("account", use: account)
        signedIn.post("account", "tokens", use: createToken)
        signedIn.post("account", "tokens", ":id", "revoke", use: revokeToken)
    }

    struct Option: Encodable {
        var value: String
        var label: String
        var selected: Bool
    }

    static func matchOptions(_ selected: MatchLevel) -> [Option] {
        [("exact", "the same track"), ("recording", "the same recording (ISRC)"), ("similar", "similar title and artists")].map {
            Option(value: $0.0, label: $0.1, selected: $0.0 == selected.rawValue)
        }
    }

    // MARK: Home

    func home(_ request: Request) async throws -> Response {
        struct Row: Encodable {
            var id, name: String
            var entries: String
            var lastSync: String
            var editable: String
            var duplicates: String
            var managed: Bool
        }
        struct Page: Encodable {
            var playlists: [Row]
            var lastSync: String
            var playlistCount: Int
            var entryCount: Int
        }
        guard let caller = request.caller else { return try await Pages.render(request, "home", title: "Welcome", Pages.Empty()) }
        let records = try await PlaylistRecord.query(on: request.database).filter(\.$user.$id == caller.userID)
            .filter(\.$goneAt == nil).sort(\.$listPosition).all()
        let extra = try await Self.extraCopies(records.compactMap(\.id), on: request.database)
        let managed = try await UnifiedService.managedIDs(of: caller.user, on: request.database)
        let lastRun = try await SyncRunRecord.query(on: request.database).filter(\.$user.$id == caller.userID)
            .sort(\.$startedAt, .descending).first()
        let rows = records.map { record in
            Row(
                id: record.spotifyID, name: record.name, entries: record.canReadItems ? "\(record.entryCount)" : "–",
                lastSync: Pages.time(record.lastSyncedAt), editable: record.canEdit ? "yes" : "no",
                duplicates: record.canReadItems ? "\(extra[record.id!] ?? 0)" : "–", managed: managed.contains(record.spotifyID))
        }
        let page = Page(
            playlists: rows, lastSync: lastRun.map { "\(Pages.time($0.startedAt)) (\($0.status))" } ?? "not yet",
            playlistCount: records.count, entryCount: records.filter(\.canReadItems).reduce(0) { $0 + $1.entryCount })
        return try await Pages.render(request, "home", title: "Library", page)
    }

    /// Extra copies of the same URI per playlist, counted by the database.
    static func extraCopies(_ ids: [UUID], on database: any Database) async throws -> [UUID: Int] {
        guard !ids.isEmpty else { return [:] }
        struct Row: Decodable {
            var playlist_id: UUID
            var extra: Int
        }
        let rows = try await database.sql().select().column("playlist_id")
            .column(SQLRaw("COUNT(uri) - COUNT(DISTINCT uri)"), as: "extra").from(EntryRecord.schema)
            .where("playlist_id", .in, ids).groupBy("playlist_id").all(decoding: Row.self)
        return Dictionary(rows.map { ($0.playlist_id, $0.extra) }, uniquingKeysWith: { a, _ in a })
    }

    /// Starts a job and waits a little for it, so the page shows its outcome when it is quick.
    static func runJob(_ request: Request, kind: JobKind, back path: String) async throws -> Response {
        let caller = try request.requireCaller()
        let what = kind == .smart ? "update of your playlists" : kind.rawValue
        let job: JobRecord
        do {
            job = try await request.service.scheduler.enqueue(user: caller.user, kind: kind, trigger: "page")
        } catch let error as PlaykeeperError where error.kind == .conflict {
            return try Pages.redirect(request, to: path, notice: error.message)
        }
        // The page waits for the scheduler's word that the job finished (at most 20 s), then reads its outcome once.
        await request.service.scheduler.waitForJob(try job.requireID(), atMost: 20)
        if let current = try await JobRecord.find(job.id, on: request.database) {
            if current.status == .succeeded {
                return try Pages.redirect(request, to: path, notice: "The \(what) finished.")
            }
            if current.status == .failed {
                return try Pages.redirect(
                    request, to: path, notice: "The \(what) failed: \(current.error ?? "unknown error")")
            }
        }
        return try Pages.redirect(
            request, to: path, notice: "The \(what) is still running; reload this page in a moment.")
    }

    func sync(_ request: Request) async throws -> Response { try await Self.runJob(request, kind: .sync, back: "/") }

    // MARK: Playlist

    func playlist(_ request: Request) async throws -> Response {
        struct Entry: Encodable {
            var position: Int
            var name: String
            var note: String?
            var artists: String
            var addedAt: String
        }
        struct Group: Encodable {
            var id, title, explanation: String
        }
        struct Preview: Encodable {
            var planID: String
            var groups: [Group]
            var copiesRemoved: Int
            var writes: Int
            var readded: String?
        }
        struct Version: Encodable {
            var seenAt: String
            var entries: Int
            var added, removed: Int
            var snapshot: String
        }
        struct Info: Encodable {
            var id, name, snapshot, lastSync: String
            var entries: Int
            var editable, readable: Bool
        }
        struct Page: Encodable {
            var playlist: Info
            var entries: [Entry]
            var moreEntries: Bool
            var history: [Version]
            var preview: Preview?
            var matchOptions: [Option]
            var keepOptions: [Option]
        }
        let record = try await request.callerPlaylist()
        let limit = 500
        let entries = try await EntryRecord.query(on: request.database).filter(\.$playlist.$id == record.requireID())
            .sort(\.$position).range(0..<limit).all()
        let catalog = try await CatalogItemRecord.lookup(Array(Set(entries.compactMap(\.uri))), on: request.database)
        let rows = entries.map { entry -> Entry in
            let known = entry.uri.flatMap { catalog[$0] }
            let note: String? =
                entry.isLocal
                ? "local file" : entry.kind == "unavailable" ? "unavailable" : entry.kind == "episode" ? "episode" : nil
            return Entry(
                position: entry.position + 1, name: known?.name ?? entry.uri ?? "(unavailable)", note: note,
                artists: known?.artists ?? "", addedAt: Pages.time(entry.addedAt))
        }
        let versions = try await PlaylistVersionRecord.query(on: request.database).filter(\.$playlist.$id == record.requireID())
            .sort(\.$seenAt, .descending).range(0..<20).all()
        let history = versions.map { version in
            Version(
                seenAt: Pages.time(version.seenAt), entries: version.entryCount,
                added: (try? JSONValue(parsing: version.added).arrayValue?.count) ?? 0,
                removed: (try? JSONValue(parsing: version.removed).arrayValue?.count) ?? 0, snapshot: version.snapshotID ?? "")
        }
        let (level, keep) = try DedupeRoutes.options(request)
        var preview: Preview?
        if record.canReadItems && (record.canEdit || record.isLiked) {
            let previews = try await request.userActions(origin: "the page").preview(
                wait: 30, syncFirst: false, level: level, keep: keep, targets: { [record] })
            guard let made = previews.first else { throw PlaykeeperError.notFound("playlist \(record.spotifyID)") }
            let names = made.body.entries.map { $0.uri.flatMap { catalog[$0]?.name } ?? $0.uri ?? "?" }
            preview = Preview(
                planID: made.record.id!.uuidString,
                groups: made.plan.groups.map { group in
                    Group(
                        id: group.id, title: "\(names[group.kept]) × \(group.removed.count + 1)",
                        explanation: group.explanation)
                },
                copiesRemoved: made.plan.groups.flatMap(\.removed).count, writes: made.plan.writeCount,
                readded: made.plan.readded.isEmpty ? nil : made.plan.readded.map { "\($0 + 1)" }.joined(separator: ", "))
        }
        let keepOptions = KeepPolicy.allCases.map { Option(value: $0.rawValue, label: $0.rawValue, selected: $0 == keep) }
        let page = Page(
            playlist: Info(
                id: record.spotifyID, name: record.name, snapshot: record.snapshotID ?? "–",
                lastSync: Pages.time(record.lastSyncedAt),
                entries: record.entryCount, editable: record.canEdit, readable: record.canReadItems),
            entries: rows, moreEntries: record.entryCount > limit, history: history, preview: preview,
            matchOptions: Self.matchOptions(level), keepOptions: keepOptions)
        return try await Pages.render(request, "playlist", title: record.name, page)
    }

    func apply(_ request: Request) async throws -> Response {
        struct Form: Decodable {
            var plan: String
            var groups: [String]?
        }
        let playlist = try await request.callerPlaylist()
        let form = try request.content.decode(Form.self)
        guard let planID = UUID(uuidString: form.plan) else { throw PlaykeeperError(.malformed, "the form has no plan") }
        let groups = form.groups ?? []
        let back = "/playlists/\(playlist.spotifyID)"
        guard !groups.isEmpty else {
            return try Pages.redirect(request, to: back, notice: "No group was checked; nothing changed.")
        }
        do {
            let journal = try await request.userActions(origin: "the page").apply(
                planID: planID, groups: Set(groups), wait: 30)
            return try Pages.redirect(
                request, to: "/journal",
                notice: "Removed the duplicates of \(playlist.name): \(journal.status.label). You can undo it below.")
        } catch let error as DedupeError {
            if case .stale = error { return try Pages.redirect(request, to: back, notice: error.description) }
            throw error
        }
    }

    // MARK: Unified playlist

    func unified(_ request: Request) async throws -> Response {
        struct Shard: Encodable {
            var name: String
            var entries: Int
        }
        struct Page: Encodable {
            var settings: UnifiedSettings
            var shards: [Shard]
            var updatedAt: String
            var preview: JSONValue
            var skipped: Int
            var matchOptions: [Option]
        }
        let preview = try await UnifiedRoutes.service(request).update(preview: true)
        let shards = preview.shards.filter { !$0.create }.map { Shard(name: $0.name, entries: $0.entries) }
        let page = Page(
            settings: preview.settings, shards: shards, updatedAt: Pages.time(preview.lastUpdatedAt),
            preview: try UnifiedViews.json(preview), skipped: preview.skipped.count,
            matchOptions: Self.matchOptions(preview.settings.match))
        return try await Pages.render(request, "unified", title: "Unified playlist", page)
    }

    func saveUnified(_ request: Request) async throws -> Response {
        struct Form: Decodable {
            var name: String?
            var liked: String?
            var episodes: String?
            var propagate: String?
            var match: String?
            var app_edits: String?
        }
        let form = try request.content.decode(Form.self)
        var change = UnifiedSettingsChange()
        change.name = try SettingParsers.playlistName(form.name ?? "", field: "the name")
        change.liked = form.liked == "true"
        change.includeEpisodes = form.episodes == "true"
        change.propagateRemovals = form.propagate == "true"
        change.match = try SettingParsers.match(form.match ?? "exact", field: "the match")
        change.appEdits = try SettingParsers.appEdits(form.app_edits ?? "keep", field: "the choice for app edits")
        try await UnifiedRoutes.service(request).configure { [change] in change.apply(to: &$0) }
        return try Pages.redirect(request, to: "/unified", notice: "Saved. Update applies the new settings.")
    }

    func updateUnified(_ request: Request) async throws -> Response {
        try await Self.runJob(request, kind: .unify, back: "/unified")
    }

    // MARK: Journal

    func journal(_ request: Request) async throws -> Response {
        struct Row: Encodable {
            var id, kind, playlist, playlistID, status, createdAt: String
            var recovery: String?
            var undoable, needsAttention: Bool
        }
        struct Page: Encodable { var entries: [Row] }
        let caller = try request.requireCaller()
        let entries = try await JournalRecord.query(on: request.database).filter(\.$user.$id == caller.userID)
            .sort(\.$createdAt, .descending).range(0..<100).with(\.$playlist).all()
        var rows: [Row] = []
        for entry in entries {
            let playlist: PlaylistRecord? = entry.playlist
            rows.append(
                Row(
                    id: entry.id!.uuidString,
                    kind: entry.kind == .unify
                        ? "unified update" : entry.kind == .smart ? "smart playlist update" : entry.kind.rawValue,
                    playlist: playlist?.name ?? "?", playlistID: playlist?.spotifyID ?? "", status: entry.status.label,
                    createdAt: Pages.time(entry.createdAt),
                    recovery: entry.recovery,
                    undoable: entry.kind.canBeUndone && entry.status.canBeUndone,
                    needsAttention: entry.status == .needsAttention))
        }
        return try await Pages.render(request, "journal", title: "Journal", Page(entries: rows))
    }

    func undo(_ request: Request) async throws -> Response {
        struct Form: Decodable { var force: String? }
        let id = try request.uuidParameter("id", "journal entry")
        let force = (try? request.content.decode(Form.self))?.force == "true"
        do {
            let done = try await DedupeRoutes.undo(id, force: force, request: request, origin: "the page")
            return try Pages.redirect(
                request, to: "/journal",
                notice: "Restored (\(done.status.label)). Spotify cannot restore the original \"added at\" of re-added songs.")
        } catch let error as DedupeError {
            if case .notFound = error { throw error }
            return try Pages.redirect(request, to: "/journal", notice: error.description)
        }
    }

    // MARK: Listening

    func listening(_ request: Request) async throws -> Response {
        let caller = try request.requireCaller()
        let now = request.service.now()
        let choice = request.query[String.self, at: "period"]
        let from = request.query[String.self, at: "from"].flatMap { $0.isEmpty ? nil : $0 }
        let to = request.query[String.self, at: "to"].flatMap { $0.isEmpty ? nil : $0 }
        let text: String
        switch (choice, from, to) {
        case (_, let from?, let to?): text = "\(from)..\(to)"
        case (_, nil, nil): text = choice ?? "30d"
        default: throw PlaykeeperError(.malformed, "a range needs both its first and its last day")
        }
        let period: ListeningPeriod
        do {
            period = try ListeningPeriod.parse(text, now: now, field: "the period")
        } catch let error as PlaykeeperError {
            throw PlaykeeperError(.malformed, error.message)
        }
        let page = try await ListeningPage.make(
            reader: StatsRoutes.reader(request, caller), period: period, choice: from == nil ? (choice ?? "30d") : nil,
            now: now, database: request.database)
        return try await Pages.render(request, "listening", title: "Listening", page)
    }

    func importHistory(_ request: Request) async throws -> Response {
        do {
            let (reports, others) = try await HistoryRoutes.importUpload(request, origin: "the page")
            let added = reports.reduce(0) { $0 + $1.added }
            let before = reports.filter(\.importedBefore).count
            var parts = ["Imported \(reports.count) file(s): \(added) new plays"]
            if before > 0 { parts.append("\(before) imported before") }
            let unresolved = reports.reduce(0) { $0 + $1.unresolved }
            if unresolved > 0 { parts.append("\(unresolved) kept by name (no known track)") }
            if others > 0 { parts.append("\(others) other file(s) passed over") }
            return try Pages.redirect(request, to: "/listening?period=all", notice: parts.joined(separator: ", ") + ".")
        } catch let error as PlaykeeperError where error.kind == .malformed || error.kind == .invalid {
            return try Pages.redirect(request, to: "/listening", notice: "Nothing was imported: \(error.message)")
        }
    }

    // MARK: Account

    func account(_ request: Request) async throws -> Response {
        try await renderAccount(request, newToken: nil)
    }

    func renderAccount(_ request: Request, newToken: String?) async throws -> Response {
        struct Token: Encodable {
            var id, name, prefix, createdAt, lastUsed: String
        }
        struct Page: Encodable {
            var tokens: [Token]
            var newToken: String?
        }
        let caller = try request.requireCaller()
        let tokens = try await TokenRoutes.tokens(of: caller, on: request.database).map { token in
            Token(
                id: token.id!.uuidString, name: token.name, prefix: token.prefix, createdAt: Pages.time(token.createdAt),
                lastUsed: Pages.time(token.lastUsedAt))
        }
        return try await Pages.render(request, "account", title: "Account", Page(tokens: tokens, newToken: newToken))
    }

    func createToken(_ request: Request) async throws -> Response {
        struct Form: Decodable { var name: String? }
        let caller = try request.requireCaller()
        let form = try request.content.decode(Form.self)
        let (_, secret) = try await TokenRoutes.issue(
            name: form.name ?? "", for: caller, on: request.database, now: request.service.now())
        return try await renderAccount(request, newToken: secret)
    }

    func revokeToken(_ request: Request) async throws -> Response {
        let token = try await TokenRoutes.revoke(request)
        return try Pages.redirect(request, to: "/account", notice: "Token \(token.name) revoked.")
    }
}

/// Pages other than the home page need a signed-in person; others go to the home page to log in.
struct RequireSession: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.caller?.session != nil else {
            if request.method == .GET { return request.redirect(to: "/", redirectType: .normal) }
            throw PlaykeeperError(.needsLogin, "log in first")
        }
        return try await next.respond(to: request)
    }
}
