import ConsoleKit
import Foundation
import Library
import PlaykeeperJSON
import Store
import Vapor

/// `playkeeper export [--format csv|json] [--out FILE]`: the whole mirrored library.
struct ExportCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "format", help: "csv (Exportify's columns, one row per entry) or json (default).")
        var format: String?
        @Option(name: "out", help: "Write to this file instead of standard output.")
        var out: String?
        @Option(name: "user", help: OptionHelp.user)
        var user: String?
        init() {}
    }

    var help: String {
        """
        Export every playlist with its entries, from the mirror (run 'playkeeper sync' first for a fresh copy).

        CSV has one row per entry with the columns: Playlist ID, Playlist Name, Track URI, Track Name,
        Artist Name(s), Album Name, Album Release Date, Disc Number, Track Number, Track Duration (ms),
        Explicit, Added By, Added At, ISRC. JSON holds each playlist with its entries and their raw items.

        Examples:
          playkeeper export --format csv --out library.csv
          playkeeper export > library.json

        Exit codes: 0 ok, 1 error, 2 usage, 3 no login.
        """
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        try await CommandRunner.run(context) {
            let format = signature.format ?? "json"
            guard ["csv", "json"].contains(format) else {
                throw CommandFailure(.usage, "--format is csv or json, not '\(format)'")
            }
            let mirror = try await MirrorContext.open(context.application)
            let user = try await mirror.user(signature.user)
            if try await UserActions.needsRecovery(user, on: mirror.database) {
                let actions = UserJobs.actions(user, context: mirror, api: try mirror.spotify(), origin: "export", printing: true)
                try await UserJobs.run(actions, wait: 600) {}
            }
            let export = try await LibraryExport.load(user: user, on: mirror.database)
            let text = format == "csv" ? export.csv() : export.json(user: user).serialized() + "\n"
            guard let path = signature.out else {
                FileHandle.standardOutput.write(Data(text.utf8))
                return
            }
            // Written beside the target and moved into place, so a failed export never leaves half a file.
            let target = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
            do {
                try Data(text.utf8).write(to: target, options: .atomic)
            } catch {
                throw CommandFailure(.error, "cannot write \(target.path): \(error.localizedDescription)")
            }
            let entries = export.playlists.reduce(0) { $0 + $1.rows.count }
            Output.progress("Exported \(export.playlists.count) playlists and \(entries) entries to \(target.path) (\(format)).")
        }
    }
}
