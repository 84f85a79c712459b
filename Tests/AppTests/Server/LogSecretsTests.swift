import App
import EmulatorTestSupport
import Foundation
import Logging
import NIOHTTP1
import PlaykeeperJSON
import SpotifyEmulator
import Testing

/// Nothing secret reaches the log, at any level: a real `serve` at `LOG_LEVEL=trace`, a login through the
/// pages, API calls with a bearer token and a cookie, and a page form; then every secret is searched for.
@Suite(.serialized)
struct LogSecretsTests {
    @Test(arguments: [nil, "playkeeper-demo-secret"])
    func noSecretReachesTheLogAtTrace(secret: String?) async throws {
        let served = try await ServedProcess.start(environment: ["LOG_LEVEL": "trace"], secret: secret)
        do {
            let redirect = try await served.logIn()
            let login = try #require(served.cookies["playkeeper_session"])
            let query = URLComponents(url: redirect, resolvingAgainstBaseURL: false)?.queryItems ?? []
            let code = try #require(query.first { $0.name == "code" }?.value)
            let state = try #require(query.first { $0.name == "state" }?.value)
            // A bearer call, a cookie call with the CSRF header, and a page form with the CSRF field.
            #expect(
                try await served.send(.GET, "/api/v1/me", headers: [("Authorization", "Bearer \(served.token)")]).status == 200)
            let second = try await served.send(
                .POST, "/api/v1/tokens", headers: [("Content-Type", "application/json"), ("X-CSRF-Token", served.csrf)],
                body: #"{"name": "second"}"#, withCookies: true)
            let secondToken = try #require(second.json["token"]?.stringValue)
            let form = try await served.send(
                .POST, "/account/tokens", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                body: "csrf=\(served.csrf)&name=form", withCookies: true)
            #expect(form.status == 200)
            // A refused bearer token and a refused callback are logged too, without their secrets.
            _ = try await served.send(.GET, "/api/v1/me", headers: [("Authorization", "Bearer pk_wrongwrongwrong")])
            _ = try await served.send(.GET, "/callback?code=\(code)&state=\(state)", withCookies: true)
            try await served.waitForTheFirstSync()
            let tokens = await served.harness.state.issuedTokens()
            try await served.stop()

            let log = served.run.errors
            #expect(log.contains("trace"), "the log is at trace level")
            #expect(log.contains("<redacted>"), "the libraries' lines were redacted, not silenced")
            var secrets: [(String, String)] = [
                ("session cookie", login), ("CSRF token", served.csrf), ("API token", served.token),
                ("second API token", secondToken), ("OAuth code", code), ("OAuth state", state),
            ]
            secrets += tokens.map { ("Spotify token", $0) }
            if let secret { secrets.append(("client secret", secret)) }
            #expect(tokens.count >= 2, "the emulator issued an access and a refresh token")
            for (what, value) in secrets {
                #expect(!log.contains(value), "the \(what) is in the log")
                // Also as hex, the way NIO prints bytes.
                let hex = value.utf8.map { String(format: "%02x", $0) }.joined()
                #expect(!log.contains(hex.prefix(24)), "the \(what) is in the log as bytes")
            }
        } catch {
            try await served.stop()
            throw error
        }
    }

    @Test func redactionTakesOutEachKindOfSecret() {
        let cases: [(String, String)] = [
            (#"headers: [("Authorization", "Bearer pk_abcdefghijkl"), ("Host", "x")]"#, "pk_abcdefghijkl"),
            ("Cookie: playkeeper_session=s3cr3tvalue; other=1", "s3cr3tvalue"),
            ("set-cookie: playkeeper_login=abcDEF123", "abcDEF123"),
            ("X-CSRF-Token: tok3nvalue", "tok3nvalue"),
            ("uri: \"/callback?code=AQBcode123&state=st4te\"", "AQBcode123"),
            ("uri: \"/callback?code=AQBcode123&state=st4te\"", "st4te"),
            ("csrf=formtok3n&name=x", "formtok3n"),
            (#"{"access_token":"BQDaccess","refresh_token":"AQDrefresh"}"#, "BQDaccess"),
            (#"{"access_token":"BQDaccess","refresh_token":"AQDrefresh"}"#, "AQDrefresh"),
            ("grant_type=authorization_code&code_verifier=v3rifier&client_secret=s3cret", "v3rifier"),
            ("grant_type=authorization_code&code_verifier=v3rifier&client_secret=s3cret", "s3cret"),
            ("body: [637372663d616263](8 bytes)", "637372663d616263"),
            ("token pk_0123456789abcdef seen", "pk_0123456789abcdef"),
        ]
        for (line, secret) in cases {
            let redacted = LogRedaction.redact(line)
            #expect(!redacted.contains(secret), "\(line) → \(redacted)")
            #expect(redacted.contains("<redacted>") || redacted.contains("not logged"), "\(redacted)")
        }
        #expect(LogRedaction.redact("GET /api/v1/playlists?limit=50 took 3 ms") == "GET /api/v1/playlists?limit=50 took 3 ms")
        let metadata = LogRedaction.redact(["binds": .array([.string("secret-bind")]), "sql": .string("SELECT 1")])
        #expect("\(metadata)".contains("secret-bind") == false)
        #expect(metadata["sql"] == .string("SELECT 1"))
    }

    /// The handler keeps metadata as set and redacts it with each line written: a logger's own metadata and a
    /// line's both, merged (the line's value wins), and nothing for a line below the level.
    @Test func theHandlerRedactsMetadataWhenALineIsWritten() {
        let lines = CapturedLines()
        var logger = Logger(label: "test") { _ in RedactingLogHandler(CapturingHandler(lines: lines)) }
        logger.logLevel = .info
        logger[metadataKey: "request"] = "Authorization: Bearer pk_secretsecret1"
        logger[metadataKey: "path"] = "/api/v1/playlists"
        #expect(logger[metadataKey: "path"] == "/api/v1/playlists")
        logger.debug("below the level", metadata: ["cookie": "Cookie: playkeeper_session=s3ssion"])
        #expect(lines.all.isEmpty)
        logger.info("code=AQBcode123 arrived", metadata: ["path": "/callback?state=st4te", "binds": ["x"]])
        let written = lines.all
        #expect(written.count == 1)
        let line = written.first ?? ""
        for secret in ["pk_secretsecret1", "AQBcode123", "st4te", "\"x\""] { #expect(!line.contains(secret), "\(line)") }
        #expect(line.contains("/callback?state=<redacted>") && !line.contains("/api/v1/playlists"), "\(line)")
    }
}

/// Lines a `CapturingHandler` wrote, with their metadata.
private final class CapturedLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var all: [String] { lock.withLock { lines } }
    func append(_ line: String) { lock.withLock { lines.append(line) } }
}

private struct CapturingHandler: LogHandler {
    let lines: CapturedLines
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        lines.append("\(event.message) \(merged.sorted { $0.key < $1.key })")
    }
}
