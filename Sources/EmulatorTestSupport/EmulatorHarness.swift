import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SpotifyEmulator
import SpotifyWebAPI

/// An emulator on a port the OS picked, and a logged-in client against it.
public final class EmulatorHarness: Sendable {
    public let emulator: RunningEmulator

    public var state: EmulatorState { emulator.state }

    public static func start(library: EmulatorLibrary = LibraryGenerator().generate(), seed: UInt64 = 1) async throws
        -> EmulatorHarness
    {
        let state = EmulatorState(library: library, seed: seed)
        let emulator = try await SpotifyEmulator.start(state: state, port: 0)
        return EmulatorHarness(emulator: emulator)
    }

    init(emulator: RunningEmulator) {
        self.emulator = emulator
    }

    /// Runs `body` with a browser-like client that does not follow redirects, and shuts it down after.
    private static func withBrowser<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// GETs a URL and returns the status and body, for tests that play the browser.
    public func get(_ url: String) async throws -> (status: Int, body: String) { try await Self.fetch(url) }

    /// GETs any URL without following redirects.
    public static func fetch(_ url: String) async throws -> (status: Int, body: String) {
        try await withBrowser { client in
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 16 << 20)
            return (Int(response.status.code), String(buffer: body))
        }
    }

    public func shutdown() async {
        await emulator.shutdown()
    }

    /// A configuration pointed at this emulator; with `secret` the confidential flow, without PKCE.
    public func configuration(secret: String? = nil, redirect: String = "http://127.0.0.1:8080/callback") throws
        -> SpotifyConfiguration
    {
        try SpotifyConfiguration(
            clientID: "playkeeper-demo", clientSecret: secret, redirectURI: URL(string: redirect)!,
            apiURL: URL(string: emulator.apiURL)!, accountsURL: URL(string: emulator.accountsURL)!)
    }

    public var transport: AsyncHTTPClientTransport { AsyncHTTPClientTransport(client: .shared) }

    /// Opens the authorize URL as a browser would and returns where Spotify sent it back.
    public func approve(_ authorization: SpotifyAccounts.Authorization) async throws -> URL {
        try await approve(url: authorization.url)
    }

    /// Opens an authorize URL (say, one a CLI printed) and returns the redirect.
    public func approve(url: URL) async throws -> URL {
        let response = try await Self.withBrowser {
            try await $0.execute(HTTPClientRequest(url: url.absoluteString), timeout: .seconds(10))
        }
        guard (300..<400).contains(response.status.code), let location = response.headers.first(name: "location"),
            let url = URL(string: location)
        else { throw HarnessError("the authorize endpoint did not redirect (\(response.status.code))") }
        return url
    }

    /// Runs the whole authorization-code login and returns the tokens.
    public func login(_ configuration: SpotifyConfiguration, now: Date = Date()) async throws -> SpotifyToken {
        let accounts = SpotifyAccounts(configuration: configuration, transport: transport)
        let authorization = accounts.authorization()
        let redirect = try await approve(authorization)
        let query = URLComponents(url: redirect, resolvingAgainstBaseURL: false)?.queryItems ?? []
        guard let code = query.first(where: { $0.name == "code" })?.value else {
            throw HarnessError("no code in \(redirect.path)")
        }
        let answer = try await accounts.exchange(code: code, codeVerifier: authorization.pkce?.verifier)
        return SpotifyToken(
            accessToken: answer.accessToken, refreshToken: answer.refreshToken ?? "",
            expiresAt: now.addingTimeInterval(Double(answer.expiresIn)), scope: answer.scope, authorizedAt: now)
    }

    /// A `SpotifyAPI` whose user `demo` is logged in.
    public func loggedInAPI(
        secret: String? = nil, clock: any WallClock = SystemClock(), retryPolicy: RetryPolicy = RetryPolicy(maxJitter: 0),
        store: InMemoryTokenStore = InMemoryTokenStore(), budget: RequestBudget? = nil
    ) async throws -> (api: SpotifyAPI, store: InMemoryTokenStore) {
        let configuration = try configuration(secret: secret)
        let token = try await login(configuration, now: clock.now)
        await store.save(token, for: "demo")
        let api = SpotifyAPI(
            configuration: configuration, tokenStore: store, transport: transport,
            budget: budget ?? RequestBudget(limit: 10_000, clock: clock),
            retryPolicy: retryPolicy, clock: clock, logger: Logger(label: "test"))
        return (api, store)
    }
}

public struct HarnessError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
