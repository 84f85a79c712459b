import ArgumentParser
import FluentKit
import Foundation
import PlaykeeperJSON
import SpotifyWebAPI
import Store
import Vapor

/// `playkeeper users [--json]`: who has logged in, and when each login ends.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "List the users who logged in, whether they must log in again, and when their 6-month login ends.",
        discussion: """
            Example:
              playkeeper users --json

            Exit codes: 0 ok, 1 error.
            """)

    @Flag(help: "Print JSON on standard output.")
    var json = false

    func run() async throws {
        try await CommandRunner.run { app in
            let mirror = try await MirrorContext.open(app)
            var rows: [JSONValue] = []
            for user in try await mirror.tokens.users() {
                let token = try? await mirror.tokens.token(for: user.spotifyID)
                rows.append([
                    "id": .string(user.spotifyID), "account_id": JSONValue(user.accountID),
                    "display_name": JSONValue(user.displayName),
                    "needs_login": .bool(user.needsLogin || token == nil),
                    "login_expires_at": MirrorViews.date(token?.loginExpiresAt),
                ])
            }
            if json {
                Output.result(JSONValue.object(["users": .array(rows)]).serialized())
                return
            }
            if rows.isEmpty { Output.progress("Nobody has logged in yet; run 'playkeeper login'.") }
            for row in rows {
                let state =
                    row["needs_login"]?.boolValue == true
                    ? "must log in again" : "login ends \(row["login_expires_at"]?.stringValue ?? "?")"
                Output.result("\(row["id"]?.stringValue ?? "")  \(row["display_name"]?.stringValue ?? "")  \(state)")
            }
        }
    }
}
