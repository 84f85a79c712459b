import FluentKit
import Foundation
import Library
import SpotifyEmulator
import Store

/// The demo's year of listening: once `demo` has logged in, a generated export of the last 365 days (about 15,000
/// plays, in the evening more than at night) is imported through the entry point, as `playkeeper import` would,
/// so that a newcomer finds the Listening page's charts filled.
enum DemoHistory {
    static func seed(after start: Date, library: EmulatorLibrary, context: ServerContext) async {
        let history = HistoryExportGenerator(
            seed: 1, plays: 30_000, start: start.addingTimeInterval(-365 * 86_400), averagePause: 1_500)
        while !Task.isCancelled {
            do {
                if let user = try await UserRecord.query(on: context.mirror.database).filter(\.$spotifyID == "demo").first() {
                    var generator = history
                    generator.end = Date().addingTimeInterval(-600)
                    let files = generator.extendedFiles(from: library).map { name, data in
                        HistoryFileSource(name: name, format: StreamingHistoryFile.format(ofName: name) ?? .video) { data }
                    }
                    let actions = UserJobs.actions(user, context: context.mirror, api: context.api, origin: "the demo")
                    let reports = try await actions.importPlays(files.sorted { $0.name < $1.name })
                    let added = reports.reduce(0) { $0 + $1.added }
                    Output.progress("Imported a year of generated listening history for demo (\(added) plays): see /listening.")
                    return
                }
                try await Task.sleep(for: .milliseconds(500))
            } catch is CancellationError {
                return
            } catch {
                Output.progress("The demo could not import its listening history: \(PlaykeeperError.from(error).message)")
                return
            }
        }
    }
}
