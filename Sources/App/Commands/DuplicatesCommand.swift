import ArgumentParser
import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import Store
import Vapor

/// `playkeeper duplicates [PLAYLIST | --all] [--match] [--keep] [--json]`: the preview, stored as plans.
struct DuplicatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "duplicates",
        abstract:
            "Preview the duplicates of a playlist (or all of yours): what matches, which copy stays and why, and the writes.",
        discussion: """
            The preview is stored as a plan; apply it with 'playkeeper dedupe'. It first syncs, so it is current. \
            Without PLAYLIST, every playlist you own.

            Examples:
              playkeeper duplicates "Road Trip"
              playkeeper duplicates --all --liked --match recording --keep oldest --json
              playkeeper duplicates --across

            Exit codes: 0 ok, 1 error (an unknown playlist, say), 2 usage, 3 needs login, 4 rate limit, \
            5 another job of this user runs.
            """)

    @OptionGroup var targets: DedupeTargetOptions
    @Flag(help: "Instead: for each song in several playlists, list the playlists.")
    var across = false
    @OptionGroup var person: UserOption
    @Flag(help: "Print JSON on standard output.")
    var json = false

    func run() async throws {
        let playlistArgument = targets.playlist
        try await CommandRunner.run { app in
            let session = try await DedupeSession.open(app, user: person.user, origin: "duplicates")
            let level = try DedupeSession.level(targets.match)
            let keep = try DedupeSession.policy(targets.keep)
            let chosen = DedupeTargets(
                playlist: playlistArgument, all: targets.all || playlistArgument == nil, collaborative: targets.collaborative,
                liked: targets.liked)
            if across {
                try await session.sync()
                let playlists = try await chosen.resolve(user: session.user, on: session.mirror.database)
                let report = try await CrossPlaylistReport.make(playlists: playlists, on: session.mirror.database)
                if json {
                    Output.result(report.json.serialized())
                } else {
                    report.lines.forEach(Output.result)
                }
                return
            }
            let previews = try await session.previews(chosen, level: level, keep: keep)
            if json {
                Output.result(JSONValue.object(["plans": .array(previews.map(DedupeViews.preview))]).serialized())
            } else {
                for preview in previews { DedupeViews.text(preview).forEach(Output.result) }
            }
        }
    }
}
