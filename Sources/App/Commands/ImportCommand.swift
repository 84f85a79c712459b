import ArgumentParser
import Foundation
import Library
import PlaykeeperJSON
import Vapor

/// `playkeeper import PATH…`: Spotify's own history exports into the listening history.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import Spotify's history exports: the .zip Spotify sends, a folder, or single .json files.",
        discussion: """
            Reads extended streaming history (Streaming_History_Audio_*.json, older endsong_*.json) and account data \
            (StreamingHistory_music_*.json, older StreamingHistory*.json); video history is skipped and reported. \
            Each file is imported in one transaction, so an interrupted import is simply run again, and a file \
            imported twice adds nothing. Tracks are matched locally, never through Spotify. When the import adds \
            plays, the smart playlists that are on are brought up to date if their songs changed (at most every \
            PLAYKEEPER_SMART_INTERVAL), as after a poll.

            Examples:
              playkeeper import ~/Downloads/my_spotify_data.zip
              playkeeper import Spotify\\ Extended\\ Streaming\\ History/ --json

            Exit codes: 0 ok, 1 error, 2 a file that is not what it should be (named, with the record).
            """)

    @Argument(help: "The export: a .zip, a folder, or .json files.")
    var paths: [String]
    @OptionGroup var person: UserOption
    @Flag(help: "Print the report as JSON on standard output.")
    var json = false
    @Flag(help: "Read files again that were imported before (known by their SHA-256); nothing is stored twice.")
    var force = false

    func validate() throws {
        guard !paths.isEmpty else { throw ValidationError("name the export: a .zip, a folder or .json files") }
    }

    func run() async throws {
        try await CommandRunner.run { app in
            let sources = try ExportSources(paths: paths)
            let (mirror, user) = try await person.open(app)
            let actions = UserJobs.actions(user, context: mirror, api: try mirror.spotify(), origin: "import", printing: true)
            let bar = !json && Output.onTerminal
            let reports = try await actions.importPlays(sources.files, force: force) { index, count, name in
                if bar { Output.bar(index, count, name) }
            }
            if bar { Output.clearBar() }
            let added = reports.reduce(0) { $0 + $1.added }
            let smart = added > 0 ? await Self.updateSmartPlaylists(actions) : []
            if json {
                var result: JSONObject = [
                    "files": try JSONValue(encoding: reports, snakeCase: true), "other_files": JSONValue(sources.others),
                ]
                if !smart.isEmpty { result["smart"] = .array(smart.map(SmartViews.report)) }
                Output.result(JSONValue.object(result).serialized())
                return
            }
            for report in reports {
                Output.result(Self.line(report))
            }
            if sources.others > 0 { Output.progress("Passed over \(sources.others) file(s) that hold no listening history.") }
            for report in smart { SmartViews.describe(report, songs: 0).forEach(Output.result) }
        }
    }

    /// New plays may change what a smart playlist holds: the ones that are on and due are brought up to date now, as
    /// after a poll. The plays are stored whatever happens here; a failure only postpones the update to the server's
    /// next poll, and says so.
    static func updateSmartPlaylists(_ actions: UserActions) async -> [SmartReport] {
        do {
            let interval = try ServerSettings.fromEnvironment(ProcessInfo.processInfo.environment).smartInterval
            return try await actions.smartUpdate(nil, mode: .whenDue(interval: interval), wait: 600)
        } catch {
            Output.progress(
                "The plays are imported; your smart playlists were not updated (\(PlaykeeperError.from(error).message)). "
                    + "'playkeeper smart update' updates them, and so does the server's next poll.")
            return []
        }
    }

    static func line(_ report: PlayImporter.FileReport) -> String {
        if report.format == .video { return "\(report.file): video history, skipped" }
        if report.importedBefore { return "\(report.file): imported before (the same file), nothing to add" }
        var parts = ["\(report.records) records", "\(report.added) new plays"]
        if report.matchedPolls > 0 { parts.append("\(report.matchedPolls) already polled") }
        if report.alreadyStored > 0 { parts.append("\(report.alreadyStored) already imported") }
        if report.unresolved > 0 { parts.append("\(report.unresolved) kept by name (no known track)") }
        if report.gapsClosed > 0 { parts.append("\(report.gapsClosed) gap(s) filled") }
        return "\(report.file): " + parts.joined(separator: ", ")
    }
}
