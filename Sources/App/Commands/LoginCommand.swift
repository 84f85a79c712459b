import ArgumentParser
import Foundation
import Library
import SpotifyWebAPI
import Store
import Vapor

/// `playkeeper login [--no-browser] [--paste]`: logs a person in with Spotify and stores their tokens.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Log in with Spotify and store the tokens, encrypted, in the database.",
        discussion: """
            Prints the authorization address alone on one line of standard output, listens on the loopback \
            redirect URI (SPOTIFY_REDIRECT_URI, default http://127.0.0.1:8080/callback) and exchanges the code.

            Examples:
              playkeeper login
              playkeeper login --no-browser
              playkeeper login --paste        # on a remote server

            Exit codes: 0 ok, 1 error, 2 usage.
            """)

    @Flag(name: .customLong("no-browser"), help: "Print the address instead of opening a browser.")
    var noBrowser = false
    @Flag(
        help:
            "For a machine without a browser: open the address elsewhere, then paste back the address you were redirected to."
    )
    var paste = false
    @Option(help: "Seconds to wait for the browser to come back (default 300).")
    var timeout: Int?

    func run() async throws {
        try await CommandRunner.run { app in
            let timeout = try NumericInput.option(self.timeout, "--timeout", in: 1...86_400, default: 300)
            let environment = ProcessInfo.processInfo.environment
            let configuration = try SpotifyConfiguration.fromEnvironment(environment)
            let mirror = try await MirrorContext.open(app, environment: environment)
            let flow = LoginFlow(configuration: configuration, transport: AsyncHTTPClientTransport(), store: mirror.tokens)
            let authorization = flow.start()
            try await flow.check(authorization)

            let redirect: URL
            if paste {
                Output.result(authorization.url.absoluteString)
                Output.progress("Open the address above in a browser, log in, then paste the address you were sent to:")
                guard let line = readLine(strippingNewline: true),
                    let pasted = URL(string: line.trimmingCharacters(in: .whitespaces)),
                    pasted.query != nil
                else { throw PlaykeeperError(.invalid, "that is not the address Spotify redirected to") }
                redirect = pasted
            } else {
                let listener = try await CallbackListener.start(redirectURI: configuration.redirectURI)
                Output.result(authorization.url.absoluteString)
                if !noBrowser { Browser.open(authorization.url) }
                Output.progress("Waiting for Spotify to send you back to \(configuration.redirectURI.absoluteString) …")
                let answer = await listener.next(timeout: Double(timeout))
                await listener.stop()
                guard let answer else {
                    throw PlaykeeperError(.failed, "no answer from the browser in time; run 'playkeeper login' again")
                }
                redirect = answer
            }
            let loggedIn = try await flow.complete(redirect: redirect, authorization: authorization)
            try await mirror.tokens.recordLogin(loggedIn.user, token: loggedIn.token)
            Output.progress(
                "Logged in as \(loggedIn.user.displayName ?? loggedIn.userID) (\(loggedIn.userID)). "
                    + "Spotify keeps this login for 6 months, until \(loggedIn.token.loginExpiresAt.formatted(date: .abbreviated, time: .omitted))."
            )
        }
    }
}

enum Browser {
    /// Best effort: a headless server has no browser, and the address is printed anyway.
    static func open(_ url: URL) {
        for opener in ["/usr/bin/xdg-open", "/usr/bin/open"] where FileManager.default.isExecutableFile(atPath: opener) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: opener)
            process.arguments = [url.absoluteString]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try? process.run()
            return
        }
    }
}
