import FluentKit
import Foundation
import Library
import SpotifyEmulator
import Store

/// The demo's year of listening: once `demo` has logged in, a generated export of the last 365 days (about 15,000
/// plays, in the evening more than at night; favourites that fade, songs discovered lately, songs never played) is
/// imported through the entry point, as `playkeeper import` would, so that a newcomer finds the Listening page's
/// charts filled. Then every playlist made from listening is turned on, and made in the emulator's Spotify.
enum DemoHistory {
    static func seed(after start: Date, library: EmulatorLibrary, context: ServerContext) async {
        let history = HistoryExportGenerator(
            seed: 1, plays: 30_000, start: start.addingTimeInterval(-365 * 86_400), averagePause: 1_500)
        while !Task.isCancelled {
            do {
                if let user = try await UserRecord.query(on: context.mirror.database).filter(\.$spotifyID == "demo").first() {
                    var generator = history
                    let end = Date().addingTimeInterval(-600)
                    generator.end = end
                    generator.story = .init(
                        fadeAfter: end.addingTimeInterval(-150 * 86_400), discoverAfter: end.addingTimeInterval(-25 * 86_400))
                    let files = generator.extendedFiles(from: library).map { name, data in
                        HistoryFileSource(name: name, format: StreamingHistoryFile.format(ofName: name) ?? .video) { data }
                    }
                    let actions = UserJobs.actions(user, context: context.mirror, api: context.api, origin: "the demo")
                    let reports = try await actions.importPlays(files.sorted { $0.name < $1.name })
                    let added = reports.reduce(0) { $0 + $1.added }
                    Output.progress("Imported a year of generated listening history for demo (\(added) plays): see /listening.")
                    let year = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: end).year!
                    for key in SmartBuiltIn.offered.map(\.key) + ["top-\(year)"] {
                        _ = try await actions.smartSetEnabled(key, true, wait: 60)
                    }
                    Output.progress("Made every playlist for you (On repeat, Forgotten favourites, …): see /smart.")
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
