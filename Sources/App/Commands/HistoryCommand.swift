import ArgumentParser
import FluentKit
import Foundation
import PlaykeeperJSON
import Store
import Vapor

/// `playkeeper history PLAYLIST [--json]`: what changed between the mirrored versions of a playlist.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Show a playlist's versions, newest first, with the songs added and removed in each.",
        discussion: """
            Examples:
              playkeeper history "Road Trip"
              playkeeper history spotify:playlist:37i9dQZF1DXcBWIGoYBM5M --json

            Exit codes: 0 ok, 1 error (an unknown playlist, say), 2 usage, 3 nobody is logged in.
            """)

    @Argument(help: "A playlist id, spotify:playlist: URI, open.spotify.com URL, exact name, or 'liked'.")
    var playlist: String
    @OptionGroup var person: UserOption
    @Flag(help: "Print JSON on standard output.")
    var json = false

    func run() async throws {
        try await CommandRunner.run { app in
            let (mirror, user) = try await person.open(app)
            let playlist = try await PlaylistReference.resolve(self.playlist, user: user, on: mirror.database)
            let versions = try await PlaylistVersionRecord.query(on: mirror.database)
                .filter(\.$playlist.$id == playlist.requireID()).sort(\.$seenAt, .descending).all()
            if json {
                Output.result(
                    JSONValue.object([
                        "playlist": MirrorViews.playlist(playlist), "versions": .array(versions.map(MirrorViews.version)),
                    ]).serialized())
                return
            }
            Output.result("\(playlist.name) (\(playlist.spotifyID)): \(versions.count) version\(versions.count == 1 ? "" : "s")")
            for version in versions {
                let added = (try? JSONValue(parsing: version.added).arrayValue?.count) ?? 0
                let removed = (try? JSONValue(parsing: version.removed).arrayValue?.count) ?? 0
                Output.result(
                    "  \(version.seenAt.formatted(date: .abbreviated, time: .shortened))  \(version.entryCount) entries  +\(added) −\(removed)  \(version.snapshotID ?? "")"
                )
            }
        }
    }
}
