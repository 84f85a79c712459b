import ArgumentParser
import Library
import PlaykeeperJSON

/// `playkeeper smart update [KEY…] [--json]`.
struct SmartUpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Sync, then bring smart playlists (all that are on, or the ones named) to their rules' results.")

    @Argument(help: "Keys of smart playlists that are on; all of them when none is given.")
    var keys: [String] = []
    @OptionGroup var person: UserOption
    @Flag(help: "Print JSON on standard output.")
    var json = false

    func run() async throws {
        try await CommandRunner.run { app in
            let actions = try await SmartCommand.actions(app, person, origin: "smart update")
            let named = keys.isEmpty ? nil : keys
            let reports = try await actions.smartUpdate(named, mode: .always, wait: 600)
            if json {
                Output.result(JSONValue.array(reports.map(SmartViews.report)).serialized())
            } else if reports.isEmpty {
                Output.result("No smart playlist is on; 'playkeeper smart enable on-repeat' turns one on.")
            } else {
                for report in reports { SmartViews.describe(report, songs: 0).forEach(Output.result) }
            }
            if reports.contains(where: { $0.status == "mismatch" }) {
                throw PlaykeeperError(.failed, "a playlist differs from the plan after the writes; see 'playkeeper journal'")
            }
        }
    }
}
