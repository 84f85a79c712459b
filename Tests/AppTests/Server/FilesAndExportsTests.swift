import App
import Foundation
import Library
import NIOHTTP1
import PlaykeeperJSON
import Testing
import Vapor

/// The store's files, the CSV export's formula guard, `/healthz`, and names with control characters.
@Suite(.serialized)
struct FilesAndExportsTests {
    /// The SQLite store and its `-wal` and `-shm` files are 0600 even with umask 0 in a 0755 data directory, and
    /// `doctor` says the directory can be read by others.
    @Test func theStoreIsPrivateWhateverTheUmask() async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("pk-private-\(UUID().uuidString)")
        try FileManager.default.createDirectory(
            at: data, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(at: data) }
        let previous = umask(0)
        let served: ServedProcess
        do {
            served = try await ServedProcess.start(data: data)
            umask(previous)
        } catch {
            umask(previous)
            throw error
        }
        do {
            try await served.logIn()
            try await served.waitForTheFirstSync()
            for name in ["playkeeper.sqlite", "playkeeper.sqlite-wal", "playkeeper.sqlite-shm", "secret.key"] {
                let path = data.appendingPathComponent(name).path
                let mode = try #require(
                    try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int, "\(name)")
                #expect(mode == 0o600, "\(name) is \(String(mode, radix: 8))")
            }
        } catch {
            try await served.stop()
            throw error
        }
        try await served.stop()
        let doctor = try ExecutableTests.Run(
            ["doctor"],
            environment: [
                "PLAYKEEPER_DATA_DIR": data.path, "SPOTIFY_CLIENT_ID": "x", "SPOTIFY_API_URL": "http://127.0.0.1:9/v1",
                "SPOTIFY_ACCOUNTS_URL": "http://127.0.0.1:9",
            ])
        #expect(try await doctor.exitCode(timeout: 60) == 1)
        #expect(doctor.output.contains("\(data.path) can be read by others (mode 755)"), "\(doctor.output)")
        #expect(!doctor.output.contains("playkeeper.sqlite can be read"), "\(doctor.output)")
    }

    /// OWASP's list: `=`, `+`, `-`, `@`, TAB and CR at the start of a field.
    @Test(arguments: ["=", "+", "-", "@", "\t", "\r"])
    func aFieldThatCouldStartAFormulaIsDefused(start: String) {
        let field = LibraryExport.csvField(start + "1+1")
        #expect(field.hasPrefix("'") || field.hasPrefix("\"'"), "\(field.debugDescription)")
        #expect(LibraryExport.formulaStarts.contains(start.unicodeScalars.first!))
    }

    @Test func plainTextAndSignedNumbersStayAsTheyAre() {
        #expect(LibraryExport.csvField("Road Trip") == "Road Trip")
        #expect(LibraryExport.csvField("-12") == "-12")
        #expect(LibraryExport.csvField("+3.5") == "+3.5")
        #expect(LibraryExport.csvField("-inf").hasPrefix("'"))
        #expect(LibraryExport.csvField("\r\n=1").hasPrefix("\"'"), "a CRLF start is guarded and quoted")
        #expect(LibraryExport.csvField("a,b") == "\"a,b\"")
    }

    @Test func healthSaysUpAndNothingMore() async throws {
        try await TestServer.with { server in
            let health = try await server.send(.GET, "/healthz")
            #expect(health.status == .ok)
            #expect(health.json == ["status": "ok"])
        }
    }

    /// A name with a NUL (or any control character) is refused at the edge, with the same rule everywhere.
    @Test func namesWithControlCharactersAreRefusedAtTheEdge() async throws {
        #expect(DisplayName.checked("a\u{0}b") == nil)
        #expect(DisplayName.checked("a\u{7}b") == nil)
        #expect(DisplayName.checked("  Mix  ") == "Mix")
        #expect(DisplayName.checked("Ünïcödé ♫") == "Ünïcödé ♫")
        try await TestServer.with { server in
            let token = try await server.token()
            for body in [#"{"name": "a\u0000b"}"#, #"{"name": "line\nbreak"}"#] {
                let made = try await server.send(.POST, "/api/v1/tokens", bearer: token, body: body)
                #expect(made.status == .unprocessableEntity, "\(body): \(made.body)")
                let unified = try await server.send(.PUT, "/api/v1/unified", bearer: token, body: body)
                #expect(unified.status == .unprocessableEntity, "\(body): \(unified.body)")
            }
            let fine = try await server.send(.POST, "/api/v1/tokens", bearer: token, body: #"{"name": "ok ♫"}"#)
            #expect(fine.status == .created)
            #expect(fine.json["name"]?.stringValue == "ok ♫")
        }
    }

    @Test func pagesCarryTheBrowserDefencesAndTheAPIDoesNotSniff() async throws {
        try await TestServer.with { server in
            let home = try await server.send(.GET, "/", accept: "text/html")
            let policy = try #require(home.headers.first(name: "Content-Security-Policy"))
            for part in ["default-src 'self'", "frame-ancestors 'none'", "script-src 'self'", "style-src 'self'"] {
                #expect(policy.contains(part), "\(policy)")
            }
            #expect(!policy.contains("unsafe-inline"))
            #expect(home.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(home.headers.first(name: "Referrer-Policy") == "same-origin")
            #expect(!home.body.contains("<style") && !home.body.contains("<script") && !home.body.contains("style="))
            let css = try await server.send(.GET, "/assets/playkeeper.css")
            #expect(css.status == .ok && css.body.contains(".notice"))
            let api = try await server.send(.GET, "/api/v1/me")
            #expect(api.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(api.headers.first(name: "Content-Security-Policy") == nil)

            // A known path with a method it does not take: 405 with Allow; an unknown path: 404.
            let wrong = try await server.send(.DELETE, "/api/v1/playlists")
            #expect(wrong.status == .methodNotAllowed)
            #expect(wrong.headers.first(name: .allow) == "GET, HEAD")
            #expect(wrong.json["error"]?["status"]?.intValue == 405)
            let put = try await server.send(.PUT, "/api/v1/playlists/liked/entries")
            #expect(put.status == .methodNotAllowed)
            let deleteHome = try await server.send(.DELETE, "/")
            #expect(deleteHome.status == .methodNotAllowed && deleteHome.headers.first(name: .allow) == "GET, HEAD")
            #expect(try await server.send(.GET, "/api/v1/nothing-here").status == .notFound)

            // Oversized headers: 431 with the JSON error.
            var headers = [String: String]()
            headers["playkeeper_big"] = String(repeating: "a", count: 20_000)
            let big = try await server.send(.GET, "/healthz", cookies: headers)
            #expect(big.status == .requestHeaderFieldsTooLarge)
            #expect(big.json["error"]?["status"]?.intValue == 431)
        }
    }
}
