import ArgumentParser
import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import SpotifyWebAPI
import Store
import Vapor

/// `playkeeper unify [--preview] [--name NAME] [--include/--exclude PLAYLIST…] [--liked] [--json]`.
struct UnifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unify",
        abstract: "Keep one playlist holding every song of your playlists once, in the order you first added them.",
        discussion: """
            It syncs first, then writes only the difference: removals by URI and additions appended 100 at a \
            time. Past Spotify's 10,000-entry cap it continues in "All my tracks (2)", "(3)", …  Every write is \
            journaled ('playkeeper journal') and can be undone ('playkeeper undo JOURNAL_ID').

            Flags given are saved and reused by later runs and by the service. It never prompts.

            Examples:
              playkeeper unify --preview
              playkeeper unify --name "Everything" --exclude "Sleep" --exclude "Kids" --liked
              playkeeper unify --include "Road Trip" "Gym" --match recording --json
              playkeeper unify --all-sources --no-liked

            Exit codes: 0 ok, 1 error (or the result differs from the plan), 2 usage, 3 needs login, \
            4 rate limit, 5 another job of this user is running.
            """)

    @Flag(help: "Show what would change; write nothing and save no settings.")
    var preview = false
    @Option(help: "The playlist's name (default \"All my tracks\"); existing shards are renamed.")
    var name: String?
    @Option(parsing: .upToNextOption, help: "Use only these playlists as sources (repeat it, or list several after it).")
    var include: [String] = []
    @Option(parsing: .upToNextOption, help: "Never use these playlists as sources (repeatable).")
    var exclude: [String] = []
    @Flag(name: .customLong("all-sources"), help: "Forget --include and --exclude: every playlist you own or collaborate on.")
    var allSources = false
    @Flag(help: "Add Liked Songs to the sources.")
    var liked = false
    @Flag(name: .customLong("no-liked"), help: "Take Liked Songs out of the sources again.")
    var noLiked = false
    @Flag(help: "Podcast episodes too, not only tracks.")
    var episodes = false
    @Flag(name: .customLong("tracks-only"), help: "Tracks only (the default).")
    var tracksOnly = false
    @Option(help: "What counts as one song: exact (default), recording or similar.")
    var match: String?
    @Option(name: .customLong("app-edits"), help: "Songs you remove in the app: keep (stay removed, default) or restore.")
    var appEdits: String?
    @Option(help: "A song that left every source: propagate (leaves, default) or keep.")
    var removals: String?
    @OptionGroup var person: UserOption
    @Flag(help: "Print the report as JSON on standard output.")
    var json = false

    func run() async throws {
        try await CommandRunner.run { app in
            try await unify(app, include: include.isEmpty ? nil : include, exclude: exclude.isEmpty ? nil : exclude)
        }
    }

    private func unify(_ app: Application, include: [String]?, exclude: [String]?) async throws {
        if liked && noLiked { throw PlaykeeperError(.invalid, "--liked and --no-liked contradict each other") }
        if episodes && tracksOnly {
            throw PlaykeeperError(.invalid, "--episodes and --tracks-only contradict each other")
        }
        if allSources && (include != nil || exclude != nil) {
            throw PlaykeeperError(.invalid, "--all-sources forgets --include and --exclude; give one or the other")
        }
        // Checked before anything is opened: a wrong flag changes nothing.
        let change = try requestedChange()

        let (mirror, user) = try await person.open(app)
        let api = try mirror.spotify()
        let actions = UserJobs.actions(user, context: mirror, api: api, origin: "unify", printing: true)
        let database = mirror.database
        let previewing = preview
        let (_, unified) = try await Output.withSyncBar { bar in
            try await actions.unify(wait: 600, concurrency: 8, mode: previewing ? .preview : .always, progress: bar) {
                settings in
                // Playlists are named after the sync, so a playlist created a minute ago can be included.
                var named = change
                if let include { named.include = try await Self.resolve(include, user: user, on: database) }
                if let exclude { named.exclude = try await Self.resolve(exclude, user: user, on: database) }
                named.apply(to: &settings)
                if !previewing { Output.progress("Updating \(settings.name) …") }
            }
        }
        guard let report = unified else { throw PlaykeeperError(.internal, "the unified playlist was not updated") }
        if json {
            Output.result(try UnifiedViews.json(report).serialized())
        } else {
            UnifiedViews.describe(report).forEach(Output.result)
        }
        if report.status == "mismatch" {
            throw PlaykeeperError(.failed, "a shard differs from the plan after the writes; see 'playkeeper journal'")
        }
    }

    /// The settings the flags name (sources come later: they are named after the sync).
    private func requestedChange() throws -> UnifiedSettingsChange {
        var change = UnifiedSettingsChange()
        change.name = try name.map { try SettingParsers.playlistName($0, field: "--name") }
        change.match = try match.map { try SettingParsers.match($0, field: "--match") }
        change.appEdits = try appEdits.map { try SettingParsers.appEdits($0, field: "--app-edits") }
        change.propagateRemovals = try removals.map { try SettingParsers.propagatesRemovals($0, field: "--removals") }
        if liked || noLiked { change.liked = liked }
        if episodes || tracksOnly { change.includeEpisodes = episodes }
        if allSources {
            change.include = []
            change.exclude = []
        }
        return change
    }

    private static func resolve(_ references: [String], user: UserRecord, on database: any Database) async throws -> [String] {
        var ids: [String] = []
        for reference in references {
            let playlist = try await PlaylistReference.resolve(reference, user: user, on: database)
            guard !playlist.isLiked else { throw PlaykeeperError(.invalid, "use --liked or --no-liked for Liked Songs") }
            ids.append(playlist.spotifyID)
        }
        return ids
    }
}
