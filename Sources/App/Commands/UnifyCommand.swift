import ConsoleKit
import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import SpotifyWebAPI
import Store
import Vapor

/// `playkeeper unify [--preview] [--name NAME] [--include/--exclude PLAYLIST…] [--liked] [--json]`.
struct UnifyCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "preview", help: "Show what would change; write nothing and save no settings.")
        var preview: Bool
        @Option(name: "name", help: "The playlist's name (default \"All my tracks\"); existing shards are renamed.")
        var name: String?
        @Option(name: "include", help: "Use only these playlists as sources (repeat it, or list several after it).")
        var include: String?
        @Option(name: "exclude", help: "Never use these playlists as sources (repeatable).")
        var exclude: String?
        @Flag(name: "all-sources", help: "Forget --include and --exclude: every playlist you own or collaborate on.")
        var allSources: Bool
        @Flag(name: "liked", help: "Add Liked Songs to the sources.")
        var liked: Bool
        @Flag(name: "no-liked", help: "Take Liked Songs out of the sources again.")
        var noLiked: Bool
        @Flag(name: "episodes", help: "Podcast episodes too, not only tracks.")
        var episodes: Bool
        @Flag(name: "tracks-only", help: "Tracks only (the default).")
        var tracksOnly: Bool
        @Option(name: "match", help: "What counts as one song: exact (default), recording or similar.")
        var match: String?
        @Option(name: "app-edits", help: "Songs you remove in the app: keep (stay removed, default) or restore.")
        var appEdits: String?
        @Option(name: "removals", help: "A song that left every source: propagate (leaves, default) or keep.")
        var removals: String?
        @Option(name: "user", help: OptionHelp.user)
        var user: String?
        @Flag(name: "json", help: "Print the report as JSON on standard output.")
        var json: Bool
        init() {}
    }

    var help: String {
        """
        Usage: playkeeper unify [--preview] [--name NAME] [--include/--exclude PLAYLIST…] [--liked] [--json]

        Keep one playlist holding every song of your playlists once, in the order you first added them.
        It syncs first, then writes only the difference: removals by URI and additions appended 100 at a
        time. Past Spotify's 10,000-entry cap it continues in "All my tracks (2)", "(3)", …  Every write is
        journaled ('playkeeper journal') and can be undone ('playkeeper undo JOURNAL_ID').

        Flags given are saved and reused by later runs and by the service. It never prompts.

        Examples:
          playkeeper unify --preview
          playkeeper unify --name "Everything" --exclude "Sleep" --exclude "Kids" --liked
          playkeeper unify --include "Road Trip" "Gym" --match recording --json
          playkeeper unify --all-sources --no-liked

        Exit codes: 0 ok, 1 error (or the result differs from the plan), 2 usage, 3 needs login,
        4 rate limit, 5 another job of this user is running.
        """
    }

    func run(using context: inout CommandContext) async throws {
        // ConsoleKit keeps only the last value of an option: take every `--include`/`--exclude` word first.
        let include = context.input.takeRepeatedOption("include")
        let exclude = context.input.takeRepeatedOption("exclude")
        let signature = try Signature(from: &context.input)
        guard context.input.arguments.isEmpty else {
            throw CommandError.unknownInput(context.input.arguments.joined(separator: " "))
        }
        let ctx = context
        try await CommandRunner.run(context) {
            try await unify(ctx, signature, include: include, exclude: exclude)
        }
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        try await CommandRunner.run(context) { try await unify(context, signature, include: nil, exclude: nil) }
    }

    private func unify(_ context: CommandContext, _ signature: Signature, include: [String]?, exclude: [String]?) async throws {
        if signature.liked && signature.noLiked { throw CommandFailure(.usage, "--liked and --no-liked contradict each other") }
        if signature.episodes && signature.tracksOnly {
            throw CommandFailure(.usage, "--episodes and --tracks-only contradict each other")
        }
        if include == [] || exclude == [] { throw CommandFailure(.usage, "--include and --exclude take playlist names or ids") }
        if signature.allSources && (include != nil || exclude != nil) {
            throw CommandFailure(.usage, "--all-sources forgets --include and --exclude; give one or the other")
        }
        let match = try signature.match.map { try DedupeSession.level($0) }
        let appEdits = try signature.appEdits.map { text -> UnifiedSettings.AppEdits in
            guard let policy = UnifiedSettings.AppEdits(rawValue: text) else {
                throw CommandFailure(.usage, "--app-edits is keep or restore, not '\(text)'")
            }
            return policy
        }
        let propagate = try signature.removals.map { text -> Bool in
            switch text {
            case "propagate": return true
            case "keep": return false
            default: throw CommandFailure(.usage, "--removals is propagate or keep, not '\(text)'")
            }
        }
        if let name = signature.name, DisplayName.checked(name) == nil {
            throw CommandFailure(.usage, "--name must be \(DisplayName.rule)")
        }

        let mirror = try await MirrorContext.open(context.application)
        let user = try await mirror.user(signature.user)
        let api = try mirror.spotify()
        let service = mirror.unified(for: user, api: api)
        let actions = UserJobs.actions(user, context: mirror, api: api, origin: "unify", printing: true)
        let report = try await UserJobs.run(actions, wait: 600) {
            Output.progress("Syncing \(user.spotifyID) …")
            _ = try await Output.withSyncBar { bar in try await actions.syncHoldingLease(concurrency: 8, progress: bar) }
            // Playlists are named after the sync, so a playlist created a minute ago can be included.
            let includeIDs = try await resolve(include, user: user, on: mirror.database)
            let excludeIDs = try await resolve(exclude, user: user, on: mirror.database)
            var settings = try await service.load().settings
            if let name = signature.name.flatMap(DisplayName.checked) { settings.name = name }
            if signature.allSources {
                settings.include = []
                settings.exclude = []
            }
            if let includeIDs { settings.include = includeIDs }
            if let excludeIDs { settings.exclude = excludeIDs }
            if signature.liked { settings.liked = true }
            if signature.noLiked { settings.liked = false }
            if signature.episodes { settings.includeEpisodes = true }
            if signature.tracksOnly { settings.includeEpisodes = false }
            if let match { settings.match = match }
            if let appEdits { settings.appEdits = appEdits }
            if let propagate { settings.propagateRemovals = propagate }
            if signature.preview { return try await service.update(preview: true, settings: settings) }
            let saved = settings
            try await service.configure { $0 = saved }
            Output.progress("Updating \(settings.name) …")
            return try await service.update()
        }
        if signature.json {
            Output.result(try UnifiedViews.json(report).serialized())
        } else {
            UnifiedViews.describe(report).forEach(Output.result)
        }
        if report.status == "mismatch" {
            throw CommandFailure(.error, "a shard differs from the plan after the writes; see 'playkeeper journal'")
        }
    }

    private func resolve(_ references: [String]?, user: UserRecord, on database: any Database) async throws -> [String]? {
        guard let references else { return nil }
        var ids: [String] = []
        for reference in references {
            let playlist = try await PlaylistReference.resolve(reference, user: user, on: database)
            guard !playlist.isLiked else { throw CommandFailure(.usage, "use --liked or --no-liked for Liked Songs") }
            ids.append(playlist.spotifyID)
        }
        return ids
    }
}

extension CommandInput {
    /// Removes every `--NAME VALUE…` (and `--NAME=VALUE`) from the arguments and returns the values, or `nil`
    /// when the option is absent. After `--NAME`, every word up to the next option is a value.
    mutating func takeRepeatedOption(_ name: String) -> [String]? {
        var values: [String]?
        var kept: [String] = []
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            if word.hasPrefix("--\(name)=") {
                values = (values ?? []) + [String(word.dropFirst(name.count + 3))]
            } else if word == "--\(name)" {
                values = values ?? []
                while index + 1 < arguments.count, !arguments[index + 1].hasPrefix("-") {
                    index += 1
                    values!.append(arguments[index])
                }
            } else {
                kept.append(word)
            }
            index += 1
        }
        arguments = kept
        return values
    }
}
