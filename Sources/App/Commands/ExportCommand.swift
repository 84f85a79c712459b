import ArgumentParser
import Foundation
import Library
import PlaykeeperJSON
import SpotifyWebAPI
import Store
import Vapor

/// `playkeeper export [--format csv|json] [--out FILE]`: the whole mirrored library.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export every playlist with its entries, from the mirror (run 'playkeeper sync' first for a fresh copy).",
        discussion: """
            CSV has one row per entry with the columns: Playlist ID, Playlist Name, Track URI, Track Name, \
            Artist Name(s), Album Name, Album Release Date, Disc Number, Track Number, Track Duration (ms), \
            Explicit, Added By, Added At, ISRC. JSON holds each playlist with its entries and their raw items.

            Examples:
              playkeeper export --format csv --out library.csv
              playkeeper export > library.json
              playkeeper export --plays --format listenbrainz --out listens.jsonl

            Exit codes: 0 ok, 1 error, 2 usage, 3 no login, 5 another job of this user runs.
            """)

    @Option(help: "csv (Exportify's columns, one row per entry) or json (default); with --plays also listenbrainz.")
    var format: String?
    @Flag(help: "The listening history instead of the playlists: csv, json, or listenbrainz (its JSON lines).")
    var plays = false
    @Option(help: "Write to this file instead of standard output.")
    var out: String?
    @OptionGroup var person: UserOption

    func run() async throws {
        try await CommandRunner.run { app in
            let format = self.format ?? "json"
            let formats = plays ? ["csv", "json", "listenbrainz"] : ["csv", "json"]
            guard formats.contains(format) else {
                let names = formats.dropLast().joined(separator: ", ") + " or " + formats.last!
                throw PlaykeeperError(.invalid, "--format is \(names), not '\(NumericInput.shown(format))'")
            }
            let (mirror, user) = try await person.open(app)
            let text: String
            let summary: String
            if plays {
                // The history is the store's alone: no Spotify app is needed to write it out.
                let export = try await PlayExport.load(user: user, on: mirror.database)
                switch format {
                case "csv": text = export.csv()
                case "listenbrainz": text = export.listenBrainz()
                default: text = export.json(user: user, exportedAt: Date()).serialized() + "\n"
                }
                summary = "\(export.plays.count) plays"
            } else {
                let actions = UserJobs.actions(user, context: mirror, api: try mirror.spotify(), origin: "export", printing: true)
                let export = try await actions.export(wait: 600)
                text =
                    format == "csv"
                    ? export.csv() : export.json(user: user, exportedAt: actions.api.clock.now).serialized() + "\n"
                summary = "\(export.playlists.count) playlists and \(export.playlists.reduce(0) { $0 + $1.rows.count }) entries"
            }
            guard let path = out else {
                FileHandle.standardOutput.write(Data(text.utf8))
                return
            }
            // Written beside the target and moved into place, so a failed export never leaves half a file.
            let target = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
            do {
                try Data(text.utf8).write(to: target, options: .atomic)
            } catch {
                throw PlaykeeperError(.failed, "cannot write \(target.path): \(error.localizedDescription)")
            }
            Output.progress("Exported \(summary) to \(target.path) (\(format)).")
        }
    }
}
