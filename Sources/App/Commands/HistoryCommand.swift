import ConsoleKit
import FluentKit
import Foundation
import PlaykeeperJSON
import Store
import Vapor

/// `playkeeper history PLAYLIST [--json]`: what changed between the mirrored versions of a playlist.
struct HistoryCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "playlist", help: "A playlist id, spotify:playlist: URI, open.spotify.com URL, exact name, or 'liked'.")
        var playlist: String
        @Option(name: "user", help: OptionHelp.user)
        var user: String?
        @Flag(name: "json", help: OptionHelp.json)
        var json: Bool
        init() {}
    }

    var help: String {
        """
        Show a playlist's versions, newest first, with the songs added and removed in each.

        Examples:
          playkeeper history "Road Trip"
          playkeeper history spotify:playlist:37i9dQZF1DXcBWIGoYBM5M --json

        Exit codes: 0 ok, 1 error (an unknown playlist, say), 2 usage, 3 nobody is logged in.
        """
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        try await CommandRunner.run(context) {
            let mirror = try await MirrorContext.open(context.application)
            let user = try await mirror.user(signature.user)
            let playlist = try await PlaylistReference.resolve(signature.playlist, user: user, on: mirror.database)
            let versions = try await PlaylistVersionRecord.query(on: mirror.database)
                .filter(\.$playlist.$id == playlist.requireID()).sort(\.$seenAt, .descending).all()
            if signature.json {
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
