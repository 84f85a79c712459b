import ArgumentParser
import AsyncHTTPClient
import Fluent
import FluentKit
import Foundation
import PlaykeeperJSON
import Library
import SQLKit
import SpotifyWebAPI
import Store
import Vapor

/// `playkeeper doctor`: checks the configuration, the key, the store, each login and Spotify, one line each.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the setup, one line per check marked ok, warn or fail.",
        discussion: """
            The checks: the configuration variables, Spotify's redirect URI rule, the secret key, the database and \
            its migrations, each user's login and its expiry, changes that need attention, and that the Spotify \
            URLs answer. It changes nothing (no migration, no key is created).

            Examples:
              playkeeper doctor
              DATABASE_URL=postgres://playkeeper@db/playkeeper playkeeper doctor --json

            Exit codes: 0 nothing failed (warnings allowed), 1 something failed.
            """)

    @Flag(help: "Print the checks as JSON on standard output.")
    var json = false

    struct Check: Encodable {
        enum Status: String, Encodable { case ok, warn, fail }
        var status: Status
        var name: String
        var detail: String
    }

    func run() async throws {
        let failed = try await CommandRunner.run { app in try await check(app) }
        if failed > 0 { throw ArgumentParser.ExitCode(ExitCode.error.rawValue) }
    }

    /// Runs every check and returns how many failed.
    private func check(_ app: Application) async throws -> Int {
        let environment = ProcessInfo.processInfo.environment
        var checks: [Check] = []
        func add(_ status: Check.Status, _ name: String, _ detail: String) {
            checks.append(Check(status: status, name: name, detail: detail))
            if !json {
                Output.result("\(status.rawValue.padding(toLength: 4, withPad: " ", startingAt: 0))  \(name): \(detail)")
            }
        }

        // 1. Configuration variables and the redirect URI rule.
        var spotify: SpotifyConfiguration?
        do {
            let settings = try ServerSettings.fromEnvironment(environment)
            add(.ok, "service", "listens on \(settings.host):\(settings.port), reached at \(settings.baseURL.absoluteString)")
            do {
                spotify = try settings.spotifyConfiguration(environment)
                add(
                    .ok, "spotify app",
                    "client id set; \(spotify!.usesPKCE ? "PKCE flow (no SPOTIFY_CLIENT_SECRET)" : "confidential flow with SPOTIFY_CLIENT_SECRET")"
                )
                add(
                    .ok, "redirect URI",
                    "\(spotify!.redirectURI.absoluteString) follows Spotify's rule; register exactly this URI")
            } catch let error as ConfigurationError {
                if case .missing = error {
                    add(.fail, "spotify app", "\(error.description): register an app at developer.spotify.com and set it")
                } else if error.description.contains("REDIRECT_URI") || error.description.contains("PUBLIC_URL") {
                    add(.fail, "redirect URI", error.description)
                } else {
                    add(.fail, "spotify app", error.description)
                }
            }
        } catch {
            add(.fail, "service", "\(error)")
        }
        var budgetRange: (start: Int, ceiling: Int)?
        do {
            budgetRange = try MirrorContext.requestBudgetRange(environment)
        } catch {
            add(.fail, "request budget", "\(error)")
        }
        do {
            _ = try MirrorContext.shardSize(environment)
        } catch {
            add(.fail, "shard size", "\(error)")
        }
        do {
            _ = try MirrorContext.countsAfterMS(environment)
        } catch {
            add(.fail, "counted plays", "\(error)")
        }

        // 2. The secret key, without creating one.
        let directory = DataDirectory(environment: environment)
        let keyFile = directory.file("secret.key")
        var box: SecretBox?
        if environment["PLAYKEEPER_SECRET_KEY"] != nil {
            do {
                box = try SecretBox.load(environment: environment, dataDirectory: directory.url)
                add(.ok, "secret key", "PLAYKEEPER_SECRET_KEY holds 32 bytes")
            } catch { add(.fail, "secret key", "\(error)") }
        } else if FileManager.default.fileExists(atPath: keyFile.path) {
            do {
                // Its mode is checked below with the rest of the directory.
                box = try SecretBox.load(environment: environment, dataDirectory: directory.url)
                add(.ok, "secret key", keyFile.path)
            } catch { add(.fail, "secret key", "\(error)") }
        } else {
            add(
                .warn, "secret key",
                "none yet: \(keyFile.path) is created (mode 600) at the first login, or set PLAYKEEPER_SECRET_KEY")
        }

        // Nobody but the owner should read the key, the tokens or the library.
        for (path, mode) in directory.exposed() {
            add(
                .warn, "permissions",
                "\(path) can be read by others (mode \(String(mode, radix: 8))); chmod \(path == directory.url.path ? "700" : "600") it"
            )
        }

        // 3. The database and its migrations, without migrating.
        do {
            let location = try DatabaseLocation.parse(environment["DATABASE_URL"], dataDirectory: directory.url)
            if location.isSQLite, case .sqlite(let path) = location, !FileManager.default.fileExists(atPath: path) {
                add(.warn, "database", "\(location.description) does not exist yet; the first command creates it")
            } else {
                try await MirrorContext.configureDatabase(app, location: location, migrate: false)
                do {
                    try await app.db.sql().raw("SELECT 1").run()
                } catch {
                    throw StoreError.unreachable("\(location.description) does not answer")
                }
                let applied = Set(try await Self.appliedMigrations(app.db))
                let pending = Store.migrations.map(\.name).filter { !applied.contains($0) }
                add(.ok, "database", "\(location.description) answers")
                if pending.isEmpty {
                    add(.ok, "migrations", "all \(Store.migrations.count) applied")
                } else {
                    add(.warn, "migrations", "\(pending.count) pending; the next command applies them")
                }
                // What the request budget learned of this app's rate limit.
                if pending.isEmpty, let spotify, let budgetRange {
                    let cap =
                        budgetRange.ceiling < MirrorContext.requestBudgets.upperBound
                        ? "grows to at most \(budgetRange.ceiling) (SPOTIFY_REQUEST_BUDGET_MAX)"
                        : "grows until Spotify answers 429 (no SPOTIFY_REQUEST_BUDGET_MAX)"
                    if let learned = try await RequestBudgetRecord.find(clientID: spotify.clientID, on: app.db) {
                        let seen =
                            learned.observed.map { "Spotify accepted \($0) in 30 s before its last 429" } ?? "no 429 seen yet"
                        add(
                            .ok, "request budget",
                            "\(learned.limit) requests per 30 s, learned for this app (\(seen); \(InternetDate.string(learned.updatedAt))); "
                                + cap)
                    } else {
                        add(
                            .ok, "request budget",
                            "nothing learned yet: starts from \(budgetRange.start) requests per 30 s (SPOTIFY_REQUEST_BUDGET) and "
                                + cap)
                    }
                }
                // 4. Each user's login.
                if pending.isEmpty, let box {
                    let tokens = DatabaseTokenStore(database: app.db, box: box)
                    let users = try await tokens.users()
                    if users.isEmpty { add(.warn, "users", "nobody has logged in yet: run 'playkeeper login' or open the page") }
                    for user in users {
                        let expiry = LoginExpiry(user, now: Date())
                        let until =
                            expiry.expiresAt.map { $0.formatted(Date.ISO8601FormatStyle().year().month().day()) } ?? "unknown"
                        if user.needsLogin {
                            add(.fail, "login \(user.spotifyID)", "Spotify refused the refresh token; log in again")
                        } else if (try? await tokens.token(for: user.spotifyID)) == nil {
                            add(.fail, "login \(user.spotifyID)", "its tokens cannot be read with this secret key")
                        } else if expiry.endingSoon {
                            add(.warn, "login \(user.spotifyID)", "ends on \(until); log in again before then")
                        } else {
                            add(.ok, "login \(user.spotifyID)", "valid until \(until)")
                        }
                    }
                    // 5. Changes that were interrupted and need the person (the others settle by themselves).
                    let stuck = try await JournalRecord.query(on: app.db).filter(\.$status == .needsAttention)
                        .sort(\.$createdAt).all()
                    for entry in stuck {
                        let playlist = try await PlaylistRecord.find(entry.$playlist.id, on: app.db)
                        add(
                            .fail, "journal \(entry.id?.uuidString ?? "")",
                            "a change of \(playlist?.name ?? "a playlist") needs attention: \(entry.error ?? "interrupted")")
                    }
                    let open = try await JournalRecord.query(on: app.db).filter(\.$status ~~ [.pending, .applying]).count()
                    if open > 0 {
                        add(
                            .warn, "journal",
                            "\(open) change(s) interrupted or in progress; the next command or the service settles them")
                    }
                }
            }
        } catch {
            add(.fail, "database", PlaykeeperError.from(error).message)
        }

        // 6. Spotify answers.
        if let spotify {
            for (name, url) in [("accounts service", spotify.accountsURL), ("web API", spotify.apiURL)] {
                var request = HTTPClientRequest(url: url.absoluteString)
                request.method = .GET
                do {
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                    add(.ok, name, "\(url.absoluteString) answers (HTTP \(response.status.code))")
                } catch {
                    add(.fail, name, "\(url.absoluteString) does not answer: \(error)")
                }
            }
        }

        if json {
            Output.result(try JSONValue.text(encoding: ["checks": checks]))
        }
        let failed = checks.filter { $0.status == .fail }.count
        Output.progress(failed == 0 ? "No problems found." : "\(failed) check(s) failed.")
        return failed
    }

    static func appliedMigrations(_ database: any Database) async throws -> [String] {
        struct Row: Decodable { var name: String }
        do {
            return try await database.sql().select().column("name").from("_fluent_migrations").all(decoding: Row.self).map(\.name)
        } catch {
            return []  // no migration table: nothing applied yet
        }
    }
}
