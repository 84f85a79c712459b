import App
import EmulatorTestSupport
import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import SpotifyEmulator
import Store
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The real binary against the emulator: golden `--json` outputs, export, doctor, and bad input.
@Suite(.serialized)
struct CLITests {
    func run(_ arguments: [String], _ mirror: TestMirror, extra: [String: String] = [:]) async throws
        -> (code: Int32, output: String, errors: String)
    {
        let run = try ExecutableTests.Run(
            arguments, environment: DedupeCLITests().environment(mirror).merging(extra) { _, new in new })
        let code = try await run.exitCode()
        return (code, run.output, run.errors)
    }

    /// Compares JSON with a golden file under Tests/AppTests/Golden, dates and times replaced by a marker.
    /// `PLAYKEEPER_UPDATE_GOLDEN=1` writes the file instead.
    func expectGolden(_ output: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let normalized = Self.normalize(try JSONValue(parsing: output)).serialized()
        let file = Fixtures.repositoryRoot.appendingPathComponent("Tests/AppTests/Golden/\(name).json")
        if ProcessInfo.processInfo.environment["PLAYKEEPER_UPDATE_GOLDEN"] == "1" {
            try (normalized + "\n").write(to: file, atomically: true, encoding: .utf8)
            return
        }
        let golden = try String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(normalized == golden, "\(name).json differs; the output was:\n\(normalized)", sourceLocation: sourceLocation)
    }

    static func normalize(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text) where text.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"#, options: .regularExpression) != nil:
            return "<date>"
        case .array(let items): return .array(items.map(normalize))
        case .object(let members): return .object(members.mapValues(normalize))
        default: return value
        }
    }

    static var library: EmulatorLibrary { UnifiedTests.library(tracks: 30, playlists: [Array(0..<12), Array(8..<20)]) }

    @Test func goldenJSONOutputs() async throws {
        try await TestMirror.with(.sqlite, library: Self.library) { mirror in
            let sync = try await run(["sync", "--json"], mirror)
            #expect(sync.code == 0, "\(sync.errors)")
            let playlists = try await run(["playlists", "--json"], mirror)
            #expect(playlists.code == 0)
            try expectGolden(playlists.output, "playlists")
            let preview = try await run(["unify", "--preview", "--json"], mirror)
            #expect(preview.code == 0, "\(preview.errors)")
            try expectGolden(preview.output, "unify-preview")
            let duplicates = try await run(["duplicates", "Source 0", "--json"], mirror)
            #expect(duplicates.code == 0)
            let plans = try JSONValue(parsing: duplicates.output)["plans"]?.arrayValue ?? []
            #expect(plans.count == 1 && plans[0]["groups"]?.arrayValue?.isEmpty == true, "no duplicates in Source 0")
        }
    }

    @Test func unifyFromTheCommandLineSavesItsFlags() async throws {
        try await TestMirror.with(.sqlite, library: Self.library) { mirror in
            let first = try await run(["unify", "--name", "Everything", "--exclude", "Source 1", "--json"], mirror)
            #expect(first.code == 0, "\(first.errors)")
            let report = try JSONValue(parsing: first.output)
            #expect(report["songs"]?.intValue == 12 && report["status"]?.stringValue == "updated")
            // Later runs reuse the saved flags.
            let second = try await run(["unify", "--json"], mirror)
            let again = try JSONValue(parsing: second.output)
            #expect(again["settings"]?["name"]?.stringValue == "Everything")
            #expect(again["writes"]?.intValue == 0)
            // --all-sources forgets the saved exclusion; several playlists may follow one --include.
            let all = try await run(["unify", "--all-sources", "--json"], mirror)
            #expect(try JSONValue(parsing: all.output)["songs"]?.intValue == 20, "\(all.errors)")
            let both = try await run(["unify", "--include", "Source 0", "Source 1", "--json"], mirror)
            let included = try JSONValue(parsing: both.output)
            #expect(included["settings"]?["include"]?.arrayValue?.count == 2, "\(both.errors)")
            #expect(included["songs"]?.intValue == 20 && included["writes"]?.intValue == 0)

            let unknown = try await run(["unify", "--include", "No Such Playlist"], mirror)
            #expect(unknown.code == 1)
            #expect(unknown.errors.contains("no mirrored playlist is called or has the id 'No Such Playlist'"))
            let contradiction = try await run(["unify", "--liked", "--no-liked"], mirror)
            #expect(contradiction.code == 2)
            #expect(contradiction.errors.contains("contradict"))
        }
    }

    @Test func exportWritesTheDocumentedCSVAndJSONThatParsesBack() async throws {
        try await TestMirror.with(.sqlite, library: Self.library) { mirror in
            _ = try await mirror.sync()
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID()).csv")
            let csv = try await run(["export", "--format", "csv", "--out", file.path], mirror)
            #expect(csv.code == 0, "\(csv.errors)")
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(text.hasPrefix(LibraryExport.csvHeader.joined(separator: ",") + "\r\n"))
            #expect(
                text.contains(
                    "upl0000000000000000000,Source 0,spotify:track:utk0000000000000000000,Song 0,The Band,Record,2020-01-01"))

            let json = try await run(["export"], mirror)
            #expect(json.code == 0)
            let playlists = try JSONValue(parsing: json.output)["playlists"]?.arrayValue ?? []
            for playlist in playlists where playlist["id"]?.stringValue?.hasPrefix("upl") == true {
                let id = try #require(playlist["id"]?.stringValue)
                let stored = try await mirror.storedURIs(id)
                #expect(playlist["entries"]?.arrayValue?.map { $0["uri"]?.stringValue } == stored)
            }
            #expect(playlists.count == 3, "two sources and Liked Songs")

            let bad = try await run(["export", "--format", "xml"], mirror)
            #expect(bad.code == 2)
            #expect(bad.errors.contains("--format is csv or json"))
        }
    }

    @Test func doctorChecksEverythingAndExitsByWhatFailed() async throws {
        try await TestMirror.with(.sqlite, library: Self.library) { mirror in
            let healthy = try await run(["doctor"], mirror)
            #expect(healthy.code == 0, "\(healthy.output)\(healthy.errors)")
            for line in [
                "ok    spotify app", "ok    redirect URI", "ok    secret key", "ok    database", "ok    migrations",
                "ok    login demo: valid until", "ok    accounts service", "ok    web API",
            ] {
                #expect(healthy.output.contains(line), "\(line) in:\n\(healthy.output)")
            }
            #expect(healthy.output.contains("ok    request budget: nothing learned yet: starts from 150 requests per 30 s"))
            // What a process learned is shown for the app whose client id is set.
            let record = RequestBudgetRecord()
            (record.clientID, record.limit, record.observed, record.updatedAt) = ("playkeeper-demo", 76, 90, Date())
            try await record.save(on: mirror.database)
            let learned = try await run(["doctor"], mirror, extra: ["SPOTIFY_REQUEST_BUDGET_MAX": "500"])
            #expect(
                learned.output.contains(
                    "ok    request budget: 76 requests per 30 s, learned for this app (Spotify accepted 90 in 30 s before its last 429"
                ),
                "\(learned.output)")
            #expect(learned.output.contains("grows to at most 500 (SPOTIFY_REQUEST_BUDGET_MAX)"))
            let broken = try await run(
                ["doctor", "--json"], mirror,
                extra: ["SPOTIFY_REDIRECT_URI": "http://localhost:8080/callback", "DATABASE_URL": "mysql://x@h/db"])
            #expect(broken.code == 1)
            let checks = try JSONValue(parsing: broken.output)["checks"]?.arrayValue ?? []
            #expect(checks.contains { $0["name"]?.stringValue == "redirect URI" && $0["status"]?.stringValue == "fail" })
            #expect(checks.contains { $0["name"]?.stringValue == "database" && $0["status"]?.stringValue == "fail" })
        }
    }

    @Test func theDemoStartsServesTheHomePageAndStopsOnCtrlC() async throws {
        // A real DATABASE_URL and Spotify settings in the environment must not matter to the demo.
        let run = try ExecutableTests.Run(
            ["demo", "--port", "0"],
            environment: ["DATABASE_URL": "postgres://someone:pw@127.0.0.1:1/real", "SPOTIFY_CLIENT_ID": "real-app"])
        let url = try #require(try await run.lines(1).first, "the demo prints its URL: \(run.errors)")
        #expect(url.hasPrefix("http://127.0.0.1:"))
        let (status, body) = try await EmulatorHarness.fetch(url)
        #expect(status == 200)
        #expect(body.contains("Log in with Spotify"))
        let data = try #require(
            run.errors.split(separator: "\n").first { $0.contains("SQLite in ") }.map {
                String($0.split(separator: " ").last!.dropLast())
            })
        #expect(FileManager.default.fileExists(atPath: data))
        kill(run.process.processIdentifier, SIGINT)
        #expect(try await run.exitCode() == 0)
        #expect(!FileManager.default.fileExists(atPath: data), "its temporary data is deleted")
    }

    @Test func serveNamesABadVariable() async throws {
        let run = try ExecutableTests.Run(["serve"], environment: ["PORT": "eighty", "SPOTIFY_CLIENT_ID": "x"])
        #expect(try await run.exitCode() == 1)
        #expect(run.errors.contains("PORT is invalid"), "\(run.errors)")
        let proxy = try ExecutableTests.Run(
            ["serve"], environment: ["PLAYKEEPER_PUBLIC_URL": "music.example.org", "SPOTIFY_CLIENT_ID": "x"])
        #expect(try await proxy.exitCode() == 1)
        #expect(proxy.errors.contains("PLAYKEEPER_PUBLIC_URL is invalid"), "\(proxy.errors)")
        let missing = try ExecutableTests.Run(["serve"], environment: [:])
        #expect(try await missing.exitCode() == 1)
        #expect(missing.errors.contains("SPOTIFY_CLIENT_ID is not set"), "\(missing.errors)")
        #expect(missing.errors.contains("playkeeper demo"), "a newcomer is pointed at the demo")
    }

    @Test func everyCommandsHelpHasExamples() async throws {
        for command in [
            "login", "users", "sync", "playlists", "history", "duplicates", "dedupe", "undo", "journal", "ignore", "unify",
            "serve", "demo", "export", "doctor", "emulator", "plays", "import", "top",
        ] {
            let run = try ExecutableTests.Run([command, "--help"], environment: [:])
            #expect(try await run.exitCode() == 0, "\(command) --help")
            #expect(run.output.contains("Example"), "\(command) --help shows examples")
        }
    }
}
