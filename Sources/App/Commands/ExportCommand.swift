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
            if plays {
                // The history is the store's alone: no Spotify app is needed to write it out. It goes out a page at
                // a time, so that millions of plays never sit in memory at once.
                let format = PlayExport.Format(rawValue: format) ?? .json
                let count = try await Self.writing(to: out) { write in
                    try await PlayExport.write(format, user: user, exportedAt: Date(), on: mirror.database, to: write)
                }
                if let out { Output.progress("Exported \(count) plays to \(out) (\(format.rawValue)).") }
                return
            }
            let actions = UserJobs.actions(user, context: mirror, api: try mirror.spotify(), origin: "export", printing: true)
            let export = try await actions.export(wait: 600)
            let text =
                format == "csv" ? export.csv() : export.json(user: user, exportedAt: actions.api.clock.now).serialized() + "\n"
            let summary = "\(export.playlists.count) playlists and \(export.playlists.reduce(0) { $0 + $1.rows.count }) entries"
            _ = try await Self.writing(to: out) { write in try write(text) }
            if let out { Output.progress("Exported \(summary) to \(out) (\(format)).") }
        }
    }

    /// Runs `body` with a writer to standard output, or to the file at `path`, put in place once `body` is done.
    static func writing<Result>(
        to path: String?, _ body: ((String) throws -> Void) async throws -> Result
    ) async throws -> Result {
        guard let path else {
            return try await body { FileHandle.standardOutput.write(Data($0.utf8)) }
        }
        let target = URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        return try await ReplacingFile.write(target) { file in try await body { try file.write(Data($0.utf8)) } }
    }
}
