import App
import EmulatorTestSupport
import FluentKit
import Foundation
import Library
import NIOCore
import NIOHTTP1
import PlaykeeperJSON
import SpotifyEmulator
import Store
import Testing
import Vapor
import VaporTesting

/// The Listening page: its figures agree with the API's, its charts are SVG with titles and a table beside
/// them, gaps are said, and the page's upload imports an export only with the form's CSRF token.
@Suite(.serialized)
struct ListeningPageTests {
    @Test func thePageDrawsTheHistoryAndAgreesWithTheAPI() async throws {
        try await TestServer.with { server in
            let (cookie, _) = try await server.login()
            let token = try await server.token()
            await server.settle()
            let empty = try await server.send(.GET, "/listening", cookie: cookie, accept: "text/html")
            #expect(empty.status == .ok && empty.body.contains("id=\"no-history\""))

            let library = await server.mirror.state.library()
            let start = server.clock.now.addingTimeInterval(-40 * 86_400)
            let generator = HistoryExportGenerator(seed: 31, plays: 900, start: start, averagePause: 1_800)
            let actions = try await server.mirror.actions()
            for (name, data) in generator.extendedFiles(from: library) {
                _ = try await actions.importPlays(
                    name: name, data: data, format: try #require(StreamingHistoryFile.format(ofName: name)))
            }
            let gap = PlayGapRecord()
            gap.$user.id = try await server.mirror.user().requireID()
            gap.startsAt = start.addingTimeInterval(86_400)
            gap.endsAt = start.addingTimeInterval(2 * 86_400)
            gap.detectedAt = start
            try await gap.create(on: server.database)

            for period in ["30d", "all", "7d"] {
                let page = try await server.send(.GET, "/listening?period=\(period)", cookie: cookie, accept: "text/html")
                #expect(page.status == .ok, "\(page.body)")
                let summary = try await server.send(.GET, "/api/v1/stats/summary?period=\(period)", bearer: token)
                let plays = try #require(summary.json["plays"]?.intValue)
                #expect(page.body.contains(#"<div id="stat-plays"><strong>\#(plays)</strong>"#), "\(period): the plays")
                let top = try await server.send(.GET, "/api/v1/stats/top/tracks?period=\(period)&limit=1", bearer: token)
                if let first = top.json["items"]?[0]?["name"]?.stringValue {
                    let table = try #require(page.body.components(separatedBy: #"<table id="top-tracks">"#).last)
                    #expect(table.contains("<td>\(first)"), "\(period): the top song")
                }
                // Each chart is an SVG with a title and a description, and a table beside it.
                for chart in ["chart-per-day", "chart-hours", "chart-new"] {
                    #expect(
                        page.body.contains(#"id="\#(chart)" viewBox"#) && page.body.contains(#"<title id="\#(chart)-title">"#))
                    #expect(page.body.contains(#"aria-labelledby="\#(chart)-title \#(chart)-desc""#))
                }
                #expect(page.body.components(separatedBy: #"<table class="sr-only""#).count == 4, "three tables for the charts")
                #expect(page.body.contains("may be missing: import your Spotify data to fill them"))
                #expect(!page.body.contains("style="), "the Content-Security-Policy allows no inline style")
            }
            // A range of days, and bad periods, which get the error page.
            let range = try await server.send(
                .GET, "/listening?from=2020-01-01&to=2030-12-31", cookie: cookie, accept: "text/html")
            #expect(range.status == .ok && range.body.contains("2020-01-01 to 2030-12-31"))
            for bad in ["period=2w", "from=2026-02-01&to=2026-01-01", "from=2026-01-01", "from=x&to=y"] {
                let refused = try await server.send(.GET, "/listening?\(bad)", cookie: cookie, accept: "text/html")
                #expect(refused.status == .badRequest, "\(bad)")
            }
            let anonymous = try await server.send(.GET, "/listening", accept: "text/html")
            #expect(anonymous.status == .seeOther)
        }
    }

    @Test func theUploadImportsWithTheFormsCSRFTokenOnly() async throws {
        try await TestServer.with { server in
            let (cookie, csrf) = try await server.login()
            await server.settle()
            let library = await server.mirror.state.library()
            let zip = try ImportTests.zip(
                HistoryExportGenerator(seed: 9, plays: 40, start: Date(timeIntervalSince1970: 1_750_000_000))
                    .extendedFiles(from: library))
            defer { try? FileManager.default.removeItem(at: zip) }
            let data = try Data(contentsOf: zip)

            let forged = try await Self.upload(server, cookie: cookie, fields: [:], data: data)
            #expect(forged.status == .forbidden)
            let wrong = try await Self.upload(server, cookie: cookie, fields: ["csrf": "nope"], data: data)
            #expect(wrong.status == .forbidden)
            #expect(try await PlayRecord.query(on: server.database).count() == 0)

            let sent = try await Self.upload(server, cookie: cookie, fields: ["csrf": csrf], data: data)
            #expect(sent.status == .seeOther && sent.headers.first(name: .location) == "/listening?period=all")
            #expect(try await PlayRecord.query(on: server.database).count() == 41)
            let notice = try #require(TestServer.cookies(sent)["playkeeper_notice"])
            let page = try await server.send(
                .GET, "/listening?period=all", cookie: cookie, accept: "text/html", cookies: ["playkeeper_notice": notice])
            #expect(page.body.contains("Imported 2 file(s): 41 new plays"), "\(page.body.prefix(3000))")

            // A file that is not an export: nothing imported, and the page says why.
            let bad = try await Self.upload(
                server, cookie: cookie, fields: ["csrf": csrf], data: Data("[{\"ms_played\": 1}]".utf8),
                filename: "Streaming_History_Audio_2020.json")
            #expect(bad.status == .seeOther && bad.headers.first(name: .location) == "/listening")
            #expect(try await PlayRecord.query(on: server.database).count() == 41)
        }
    }

    @Test func anUploadOverTheLimitIsRefusedWithTheLimit() async throws {
        try await TestServer.with { server in
            let (cookie, csrf) = try await server.login()
            let token = try await server.token()
            let body = ByteBuffer(repeating: 0x20, count: 200 << 20 + 1)  // the limit the README states, and a byte
            for caller in ["bearer", "page"] {
                var headers = HTTPHeaders()
                headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=x")
                let path: String
                if caller == "bearer" {
                    headers.bearerAuthorization = BearerAuthorization(token: token)
                    path = "/api/v1/plays/import"
                } else {
                    headers.replaceOrAdd(name: .cookie, value: "playkeeper_session=\(cookie)")
                    headers.replaceOrAdd(name: "X-CSRF-Token", value: csrf)
                    headers.replaceOrAdd(name: .accept, value: "text/html")
                    path = "/listening/import"
                }
                // Over a real connection: in memory, a body arrives already collected and no limit applies to it.
                let live = try server.app.testing(method: .running(hostname: "127.0.0.1", port: try ExecutableTests.freePort()))
                try await live.test(.POST, path, headers: headers, body: body) { response in
                    #expect(response.status == .payloadTooLarge, "\(caller)")
                    #expect(response.body.string.contains("at most 200 MB"), "\(caller): \(response.body.string.prefix(300))")
                }
            }
            #expect(try await PlayRecord.query(on: server.database).count() == 0)
        }
    }

    static func upload(
        _ server: TestServer, cookie: String, fields: [String: String], data: Data, filename: String = "my_spotify_data.zip"
    ) async throws -> TestServer.Reply {
        let boundary = "pk-\(UUID().uuidString)"
        var body = ByteBuffer()
        for (name, value) in fields {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        body.writeString(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\n"
                + "Content-Type: application/zip\r\n\r\n")
        body.writeBytes(data)
        body.writeString("\r\n--\(boundary)--\r\n")
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .cookie, value: "playkeeper_session=\(cookie)")
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        headers.replaceOrAdd(name: .accept, value: "text/html")
        var reply: TestServer.Reply?
        try await server.app.testing().test(.POST, "/listening/import", headers: headers, body: body) { response in
            reply = TestServer.Reply(status: response.status, headers: response.headers, body: response.body.string)
        }
        return try #require(reply)
    }
}
