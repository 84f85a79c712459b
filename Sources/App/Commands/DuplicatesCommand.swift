import ConsoleKit
import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import Store
import Vapor

/// `playkeeper duplicates [PLAYLIST | --all] [--match] [--keep] [--json]`: the preview, stored as plans.
struct DuplicatesCommand: PositionalCommand {
    struct Signature: CommandSignature {
        @Flag(name: "all", help: OptionHelp.all)
        var all: Bool
        @Flag(name: "collaborative", help: OptionHelp.collaborative)
        var collaborative: Bool
        @Flag(name: "liked", help: OptionHelp.liked)
        var liked: Bool
        @Option(name: "match", help: OptionHelp.match)
        var match: String?
        @Option(name: "keep", help: OptionHelp.keep)
        var keep: String?
        @Flag(name: "across", help: "Instead: for each song in several playlists, list the playlists.")
        var across: Bool
        @Option(name: "user", help: OptionHelp.user)
        var user: String?
        @Flag(name: "json", help: OptionHelp.json)
        var json: Bool
        init() {}
    }

    var help: String {
        """
        Usage: playkeeper duplicates [PLAYLIST | --all] [options]

        PLAYLIST is a playlist id, spotify:playlist: URI, open.spotify.com URL, exact name, or 'liked'.
        Preview the duplicates of a playlist (or all of yours): what matches, which copy stays and why, and the writes.

        The preview is stored as a plan; apply it with 'playkeeper dedupe'. It first syncs, so it is current.

        Examples:
          playkeeper duplicates "Road Trip"
          playkeeper duplicates --all --liked --match recording --keep oldest --json
          playkeeper duplicates --across

        Exit codes: 0 ok, 1 error (an unknown playlist, say), 2 usage, 3 needs login, 4 rate limit.
        """
    }

    let positionalRange = 0...1

    func run(using context: inout CommandContext) async throws { try await runWithPositionals(&context) }

    func run(using context: CommandContext, signature: Signature, positionals: [String]) async throws {
        let playlistArgument = positionals.first
        try await CommandRunner.run(context) {
            let session = try await DedupeSession.open(context, user: signature.user, origin: "duplicates")
            let level = try DedupeSession.level(signature.match)
            let keep = try DedupeSession.policy(signature.keep)
            try await session.sync()
            let targets = DedupeTargets(
                playlist: playlistArgument, all: signature.all || playlistArgument == nil, collaborative: signature.collaborative,
                liked: signature.liked)
            let playlists = try await targets.resolve(user: session.user, on: session.mirror.database)
            if signature.across {
                let report = try await CrossPlaylistReport.make(playlists: playlists, on: session.mirror.database)
                if signature.json {
                    Output.result(report.json.serialized())
                } else {
                    report.lines.forEach(Output.result)
                }
                return
            }
            var previews: [DedupeService.Preview] = []
            for playlist in playlists { previews.append(try await session.service.preview(playlist, level: level, keep: keep)) }
            if signature.json {
                Output.result(JSONValue.object(["plans": .array(previews.map(DedupeViews.preview))]).serialized())
            } else {
                for preview in previews { DedupeViews.text(preview).forEach(Output.result) }
            }
        }
    }
}
