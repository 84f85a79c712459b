import Library
import PlaykeeperJSON
import Vapor

extension SmartCommand {
    /// The entry point for the person the command names.
    static func actions(_ app: Application, _ person: UserOption, origin: String) async throws -> UserActions {
        let (mirror, user) = try await person.open(app)
        return UserJobs.actions(user, context: mirror, api: try mirror.spotify(), origin: origin, printing: true)
    }

    /// An update's report; a read-back that differs from the plan is an error (exit 1).
    static func print(_ report: SmartReport, json: Bool) throws {
        if json {
            Output.result(SmartViews.report(report).serialized())
        } else {
            SmartViews.describe(report).forEach(Output.result)
        }
        if report.status == "mismatch" {
            throw PlaykeeperError(.failed, "\(report.name) differs from the plan after the writes; see 'playkeeper journal'")
        }
    }
}
