import ArgumentParser
import FluentKit
import Foundation
import PlaykeeperJSON
import Store
import Vapor

/// `playkeeper playlists [--user ID] [--json]`: lists the mirrored playlists.
struct PlaylistsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "playlists",
        abstract: "List the mirrored playlists, with entry counts, last sync and whether they can be edited.",
        discussion: """
            Examples:
              playkeeper playlists
              playkeeper playlists --json --gone

            Exit codes: 0 ok, 1 error, 2 usage, 3 nobody is logged in.
            """)

    @OptionGroup var person: UserOption
    @Flag(help: "Print JSON on standard output.")
    var json = false
    @Flag(help: "Include playlists that disappeared from the library.")
    var gone = false

    func run() async throws {
        try await CommandRunner.run { app in
            let (mirror, user) = try await person.open(app)
            var query = PlaylistRecord.query(on: mirror.database).filter(\.$user.$id == (try user.requireID()))
            if !gone { query = query.filter(\.$goneAt == nil) }
            let playlists = try await query.sort(\.$listPosition).all()
            if json {
                Output.result(
                    MirrorViews.page(
                        playlists.map(MirrorViews.playlist), total: playlists.count, limit: playlists.count, offset: 0
                    ).serialized())
                return
            }
            if playlists.isEmpty {
                Output.progress("No playlists mirrored yet; run 'playkeeper sync'.")
                return
            }
            for playlist in playlists {
                let access = playlist.canReadItems ? (playlist.canEdit ? "editable" : "read-only") : "metadata only"
                let synced = playlist.lastSyncedAt.map { $0.formatted(date: .abbreviated, time: .shortened) } ?? "never"
                Output.result(
                    "\(playlist.spotifyID.padding(toLength: 22, withPad: " ", startingAt: 0))  \(String(playlist.entryCount).leftPadded(6))  "
                        + "\(access.padding(toLength: 13, withPad: " ", startingAt: 0))  \(synced)  \(playlist.name)"
                        + (playlist.goneAt != nil ? "  (gone)" : ""))
            }
        }
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
