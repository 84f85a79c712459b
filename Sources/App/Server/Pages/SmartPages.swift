import FluentKit
import Foundation
import Library
import Store
import Vapor

/// "Playlists for you": each smart playlist on or off with its last update, one page per playlist with its songs
/// and why each is there, top songs of a year on request, and a form that writes a rule with a preview (plain
/// form posts, no JavaScript).
struct SmartPages: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let signedIn = routes.grouped(RequireSession())
        signedIn.get("smart", use: index)
        signedIn.post("smart", use: submit)
        signedIn.post("smart", "update", use: update)
        signedIn.post("smart", "top", use: topOfYear)
        signedIn.get("smart", ":key", use: show)
        signedIn.post("smart", ":key", "enable", use: enable)
        signedIn.post("smart", ":key", "disable", use: disable)
        signedIn.post("smart", ":key", "remove", use: remove)
    }

    struct Item: Encodable {
        var key: String
        var name: String
        var summary: String
        var enabled: Bool
        var ranked: Bool
        var keepAppEdits: Bool
        var songs: Int
        var refreshed: String
        var offReason: String?
        var stored: Bool
        /// For Never played: when the history began, since which "never" counts.
        var history: String?

        init(_ view: SmartPlaylistView, firstPlay: Date?) {
            key = view.key
            name = view.name
            summary = view.summary
            enabled = view.enabled
            ranked = view.ranked
            keepAppEdits = view.keepAppEdits
            songs = view.songs
            refreshed = Pages.time(view.refreshedAt)
            offReason = view.offReason
            stored = view.stored
            if view.key == SmartBuiltIn.neverPlayed.key {
                history =
                    firstPlay.map {
                        "Your history begins on \(RollupRanges.label(ofDay: RollupRanges.day(of: $0))): never played means not once since then."
                    } ?? "Your history is empty: every song counts as never played until plays are collected or imported."
            }
        }
    }

    struct Preview: Encodable {
        struct Song: Encodable {
            var title: String
            var reason: String
        }
        var name: String
        var summary: String
        var notes: [String]
        var songs: [Song]
        var more: Int

        /// The first 200 songs, and what the update would write.
        init(_ report: SmartReport) {
            name = report.name
            let shown = report.songs.prefix(200)
            songs = shown.map { song in
                Song(title: [song.name ?? song.uri, song.artist].compactMap { $0 }.joined(separator: " – "), reason: song.reason)
            }
            more = report.songs.count - shown.count
            notes = report.notes
            let writes = report.writes == 0 ? "nothing to write" : "\(report.writes) write(s) by \(report.strategy)"
            summary = "\(report.songs.count) songs; \(writes)."
        }
    }

    /// The rule form as posted (and shown back with a preview or an error).
    struct Form: Codable {
        var name: String?
        var from: [String]?
        var window: String?
        var minPlays: String?
        var maxPlays: String?
        var minMSPlayed: String?
        var notPlayedFor: String?
        var skipped: String?
        var newInWindow: String?
        var excludeArtists: String?
        var excludePlaylists: [String]?
        var order: String?
        var unranked: String?
        var limit: String?
        var match: String?
        var action: String?

        enum CodingKeys: String, CodingKey {
            case name, from, window, skipped, order, unranked, limit, match, action
            case minPlays = "min_plays", maxPlays = "max_plays", minMSPlayed = "min_ms_played", notPlayedFor = "not_played_for"
            case newInWindow = "new_in_window", excludeArtists = "exclude_artists", excludePlaylists = "exclude_playlists"
        }

        /// The rule's words; a number that is not one names its field.
        func input() throws -> SmartRuleInput {
            func number(_ text: String?, _ field: String, _ range: ClosedRange<Int>) throws -> Int? {
                guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
                guard let value = NumericInput.integer(text, in: range) else {
                    throw PlaykeeperError(.invalid, NumericInput.rangeMessage(field, range, given: text))
                }
                return value
            }
            return SmartRuleInput(
                from: from ?? [], window: window.flatMap { $0.isEmpty ? nil : $0 },
                minPlays: try number(minPlays, "'at least … plays'", 0...1_000_000_000),
                maxPlays: try number(maxPlays, "'at most … plays'", 0...1_000_000_000),
                minMSPlayed: try number(minMSPlayed, "'a play counts from'", 0...1_000_000_000),
                notPlayedFor: try number(notPlayedFor, "'not played for'", 0...1_000_000_000), skipped: skipped,
                newInWindow: newInWindow == "true",
                excludeArtists: (excludeArtists ?? "").split(separator: ",").map(String.init),
                excludePlaylists: excludePlaylists ?? [], order: order, ranked: unranked == "true" ? false : nil,
                limit: try number(limit, "'at most … songs'", 1...SmartRule.maximumLimit), match: match)
        }

        static let empty = Form(window: "30d", order: "plays", limit: "50", match: "exact")
    }

    struct Page: Encodable {
        var playlists: [Item]
        var years: [Int]
        var form: Form
        var sources: [PageRoutes.Option]
        var excludes: [PageRoutes.Option]
        var orders: [PageRoutes.Option]
        var skips: [PageRoutes.Option]
        var matches: [PageRoutes.Option]
        var preview: Preview?
        var error: String?
    }

    // MARK: Pages

    func index(_ request: Request) async throws -> Response {
        try await render(request, form: .empty)
    }

    private func render(_ request: Request, form: Form, preview: SmartReport? = nil, error: String? = nil) async throws
        -> Response
    {
        let actions = try request.userActions(origin: "the page")
        let views = try await actions.smartList(wait: 30)
        let reader = actions.history
        let now = request.service.now()
        let firstPlay = try await reader.firstPlay()
        let years = HistoryReader.years(from: firstPlay, to: now).map { Array($0.reversed()) } ?? []
        let managed = try await UnifiedService.managedIDs(of: actions.user, on: request.database)
        let playlists = try await PlaylistRecord.query(on: request.database).filter(\.$user.$id == actions.user.requireID())
            .filter(\.$goneAt == nil).filter(\.$isLiked == false).sort(\.$listPosition).all()
            .filter { !managed.contains($0.spotifyID) }
        let chosen = Set(form.from ?? ["history"])
        let keywords = [
            ("history", "Your listening history"), ("liked", "Liked Songs"), ("all-playlists", "All your own playlists"),
        ]
        let sources =
            keywords.map { PageRoutes.Option(value: $0.0, label: $0.1, selected: chosen.contains($0.0)) }
            + playlists.map { PageRoutes.Option(value: $0.spotifyID, label: $0.name, selected: chosen.contains($0.spotifyID)) }
        let excluded = Set(form.excludePlaylists ?? [])
        let excludes = playlists.map {
            PageRoutes.Option(value: $0.spotifyID, label: $0.name, selected: excluded.contains($0.spotifyID))
        }
        func options(_ values: [(String, String)], _ selected: String?) -> [PageRoutes.Option] {
            values.map { PageRoutes.Option(value: $0.0, label: $0.1, selected: $0.0 == selected) }
        }
        let page = Page(
            playlists: views.map { Item($0, firstPlay: firstPlay) }, years: years, form: form, sources: sources,
            excludes: excludes,
            orders: options(
                [
                    ("plays", "most played first"), ("listened", "longest listened first"),
                    ("last-played", "most recently played first"), ("first-played", "newest discoveries first"),
                    ("sources", "as added to the sources"),
                ], form.order),
            skips: options([("any", "or not"), ("only", "at least once"), ("none", "never")], form.skipped ?? "any"),
            matches: PageRoutes.matchOptions((try? SettingParsers.match(form.match ?? "exact", field: "")) ?? .exact),
            preview: preview.map(Preview.init), error: error)
        return try await Pages.render(request, "smart", title: "Playlists for you", page)
    }

    func show(_ request: Request) async throws -> Response {
        struct Detail: Encodable {
            var item: Item
            var preview: Preview
        }
        let key = request.parameters.get("key") ?? ""
        let actions = try request.userActions(origin: "the page")
        let (view, preview) = try await actions.smartShow(key, wait: 30)
        let item = Item(view, firstPlay: try await actions.history.firstPlay())
        return try await Pages.render(request, "smart-playlist", title: view.name, Detail(item: item, preview: Preview(preview)))
    }

    // MARK: Forms

    /// The rule form: a preview shows it below the form; a creation stores it and starts the update job.
    func submit(_ request: Request) async throws -> Response {
        let form = try request.content.decode(Form.self)
        let actions = try request.userActions(origin: "the page")
        let resolve = SmartRuleInput.resolver(user: actions.user, on: request.database)
        do {
            let input = try form.input()
            let rule = { @Sendable in try await input.rule(field: { "'\($0)'" }, resolve: resolve) }
            if form.action == "create" {
                let name = try SettingParsers.playlistName(form.name ?? "", field: "the name")
                let view = try await actions.smartStore(name: name, keepAppEdits: true, wait: 30, rule: rule)
                return try await PageRoutes.runJob(request, kind: .smart, back: "/smart/\(view.key)")
            }
            let name = (form.name ?? "").trimmingCharacters(in: .whitespaces)
            let report = try await actions.smartPreview(
                nil, proposed: SmartSettings(name: name.isEmpty ? "Your rule" : name, rule: try await rule()), wait: 30)
            return try await render(request, form: form, preview: report)
        } catch let error as PlaykeeperError where [.invalid, .malformed, .conflict, .notFound].contains(error.kind) {
            return try await render(request, form: form, error: error.message)
        }
    }

    func update(_ request: Request) async throws -> Response {
        try await PageRoutes.runJob(request, kind: .smart, back: "/smart")
    }

    func topOfYear(_ request: Request) async throws -> Response {
        struct Year: Decodable { var year: String? }
        let text = try request.content.decode(Year.self).year ?? ""
        guard let year = NumericInput.integer(text, in: 1900...9999) else {
            return try Pages.redirect(
                request, to: "/smart", notice: NumericInput.rangeMessage("the year", 1900...9999, given: text))
        }
        return try await switchOn(request, key: "top-\(year)")
    }

    func enable(_ request: Request) async throws -> Response {
        try await switchOn(request, key: request.parameters.get("key") ?? "")
    }

    private func switchOn(_ request: Request, key: String) async throws -> Response {
        do {
            _ = try await request.userActions(origin: "the page").smartChange(key, enabled: true, keepAppEdits: nil, wait: 30)
        } catch let error as PlaykeeperError where error.kind == .invalid {
            return try Pages.redirect(request, to: "/smart", notice: error.message)
        }
        return try await PageRoutes.runJob(request, kind: .smart, back: "/smart/\(key)")
    }

    func disable(_ request: Request) async throws -> Response {
        let key = request.parameters.get("key") ?? ""
        let view = try await request.userActions(origin: "the page").smartChange(key, enabled: false, keepAppEdits: nil, wait: 30)
        return try Pages.redirect(request, to: "/smart", notice: "\(view.name) is off; its playlist stays in Spotify as it is.")
    }

    func remove(_ request: Request) async throws -> Response {
        let key = request.parameters.get("key") ?? ""
        let view = try await request.userActions(origin: "the page").smartRemove(key, wait: 30)
        return try Pages.redirect(
            request, to: "/smart", notice: "\(view.name) is forgotten; its playlist stays in Spotify as it is.")
    }
}
