import Foundation
import Library
import PlaykeeperJSON
import Store
import Vapor

/// `/api/v1/smart`: the playlists made from listening. Listing, a preview of any one or of a rule not stored,
/// storing and changing rules, and the update job that writes to Spotify.
struct SmartRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("smart", use: list)
        routes.post("smart", use: create)
        routes.post("smart", "preview", use: previewRule)
        routes.post("smart", "update", use: update)
        routes.get("smart", ":key", use: show)
        routes.put("smart", ":key", use: change)
        routes.delete("smart", ":key", use: remove)
    }

    /// A rule and what goes with it, as the API spells it: every field optional.
    struct RuleBody: RequestBody {
        var name: String?
        var from: [String]?
        var window: String?
        var minPlays: Int?
        var maxPlays: Int?
        var minMSPlayed: Int?
        var notPlayedFor: Int?
        var skipped: String?
        var newInWindow: Bool?
        var excludeArtists: [String]?
        var excludePlaylists: [String]?
        var order: String?
        var ranked: Bool?
        var limit: Int?
        var match: String?
        var keepAppEdits: Bool?
        var enabled: Bool?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, from, window, skipped, order, ranked, limit, match, enabled
            case minPlays = "min_plays", maxPlays = "max_plays", minMSPlayed = "min_ms_played"
            case notPlayedFor = "not_played_for", newInWindow = "new_in_window", excludeArtists = "exclude_artists"
            case excludePlaylists = "exclude_playlists", keepAppEdits = "keep_app_edits"
        }

        static var fields: [String]? { CodingKeys.allCases.map(\.rawValue) }

        var input: SmartRuleInput {
            SmartRuleInput(
                from: from ?? [], window: window, minPlays: minPlays, maxPlays: maxPlays, minMSPlayed: minMSPlayed,
                notPlayedFor: notPlayedFor, skipped: skipped, newInWindow: newInWindow, excludeArtists: excludeArtists ?? [],
                excludePlaylists: excludePlaylists ?? [], order: order, ranked: ranked, limit: limit, match: match)
        }

        /// Whether any of the rule's fields is given.
        var hasRule: Bool { input != SmartRuleInput() }

        /// The rule, its playlists resolved in the caller's mirror.
        func rule(_ request: Request) throws -> @Sendable () async throws -> SmartRule {
            let input = self.input
            let resolve = SmartRuleInput.resolver(user: try request.requireCaller().user, on: request.database)
            return { try await input.rule(field: { "'\($0.replacingOccurrences(of: "-", with: "_"))'" }, resolve: resolve) }
        }
    }

    func list(_ request: Request) async throws -> Response {
        let views = try await request.userActions(origin: "the API").smartList(wait: 30)
        return .json(["smart": .array(views.map(SmartViews.view))])
    }

    /// One smart playlist, with a preview of its next update.
    func show(_ request: Request) async throws -> Response {
        let key = request.parameters.get("key") ?? ""
        let (view, preview) = try await request.userActions(origin: "the API").smartShow(key, wait: 30)
        return .json(["smart": SmartViews.view(view), "preview": SmartViews.report(preview)])
    }

    /// `POST /api/v1/smart`: stores a rule of the caller's own, on; an update job creates its playlist.
    func create(_ request: Request) async throws -> Response {
        let body = try request.body(RuleBody.self)
        guard let name = body.name else { throw PlaykeeperError(.invalid, "'name' is missing") }
        let checked = try SettingParsers.playlistName(name, field: "'name'")
        let actions = try request.userActions(origin: "the API")
        let view = try await actions.smartStore(
            name: checked, keepAppEdits: body.keepAppEdits ?? true, wait: 30, rule: try body.rule(request))
        let job = try await request.service.scheduler.enqueue(user: actions.user, kind: .smart, trigger: "api")
        return .json(["smart": SmartViews.view(view), "job": JobRoutes.view(job)], status: .created)
    }

    /// `PUT /api/v1/smart/{key}`: on or off, `keep_app_edits`, and the rule of one's own. Turning one on or
    /// changing its rule starts an update job.
    func change(_ request: Request) async throws -> Response {
        let body = try request.body(RuleBody.self)
        let key = request.parameters.get("key") ?? ""
        if body.name != nil { throw PlaykeeperError(.invalid, "'name' cannot be changed; remove the rule and add it again") }
        let actions = try request.userActions(origin: "the API")
        let view = try await actions.smartChange(
            key, enabled: body.enabled, keepAppEdits: body.keepAppEdits, wait: 30,
            rule: body.hasRule ? try body.rule(request) : nil)
        var answer: JSONObject = ["smart": SmartViews.view(view)]
        if view.enabled, body.enabled == true || body.hasRule {
            let job = try await request.service.scheduler.enqueue(user: actions.user, kind: .smart, trigger: "api")
            answer["job"] = JobRoutes.view(job)
        }
        return .json(.object(answer))
    }

    func remove(_ request: Request) async throws -> Response {
        let key = request.parameters.get("key") ?? ""
        let view = try await request.userActions(origin: "the API").smartRemove(key, wait: 30)
        return .json(["smart": SmartViews.view(view)])
    }

    /// `POST /api/v1/smart/preview`: the songs and writes of a rule that is not stored.
    func previewRule(_ request: Request) async throws -> Response {
        let body = try request.body(RuleBody.self, emptyIsObject: true)
        let actions = try request.userActions(origin: "the API")
        let name = try body.name.map { try SettingParsers.playlistName($0, field: "'name'") } ?? "Preview"
        let rule = try await body.rule(request)()
        let report = try await actions.smartPreview(nil, proposed: SmartSettings(name: name, rule: rule), wait: 30)
        return .json(SmartViews.report(report))
    }

    /// `POST /api/v1/smart/update`: a job that syncs, then updates every smart playlist that is on.
    func update(_ request: Request) async throws -> Response {
        let caller = try request.requireCaller()
        return JobRoutes.accepted(try await request.service.scheduler.enqueue(user: caller.user, kind: .smart, trigger: "api"))
    }
}
