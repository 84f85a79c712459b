import ArgumentParser
import Library
import PlaykeeperJSON

/// `playkeeper smart list [--json]`.
struct SmartListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "The built-ins and your own rules: on or off, songs, last update.")

    @OptionGroup var person: UserOption
    @Flag(help: "Print JSON on standard output.")
    var json = false

    func run() async throws {
        try await CommandRunner.run { app in
            let actions = try await SmartCommand.actions(app, person, origin: "smart list")
            let views = try await actions.smartList(wait: 600)
            if json {
                Output.result(JSONValue.array(views.map(SmartViews.view)).serialized())
            } else {
                views.map(SmartViews.describe).forEach(Output.result)
            }
        }
    }
}
