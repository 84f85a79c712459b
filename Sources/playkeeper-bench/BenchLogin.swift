import App
import Crypto
import Fluent
import Foundation
import Library
import Logging
import PlaykeeperJSON
import SpotifyWebAPI
import Store
import Vapor

/// A store with `demo` (or another person) logged in to the external emulator, as every benchmark needs.
struct BenchLogin {
    let api: SpotifyAPI
    let user: UserRecord
    let tokens: DatabaseTokenStore

    /// - Parameter key: the tokens' encryption key; a process that serves the same store later needs it too.
    static func make(
        app: Application, emulator: ExternalEmulator, logger: Logger, user name: String = "demo",
        key: SymmetricKey = SymmetricKey(size: .bits256)
    ) async throws -> BenchLogin {
        try await emulator.call(.PUT, "/__emulator/approver", json: ["user": .string(name)])
        let tokens = DatabaseTokenStore(database: app.db, box: SecretBox(key: key))
        let configuration = try SpotifyConfiguration(
            clientID: "playkeeper-demo", clientSecret: "playkeeper-demo-secret",
            redirectURI: URL(string: "http://127.0.0.1:1/callback")!,
            apiURL: URL(string: emulator.base + "/v1")!, accountsURL: URL(string: emulator.base)!)
        let flow = LoginFlow(configuration: configuration, transport: AsyncHTTPClientTransport(), store: tokens)
        let authorization = flow.start()
        let loggedIn = try await flow.complete(
            redirect: try await emulator.approve(authorization.url), authorization: authorization)
        let user = try await tokens.recordLogin(loggedIn.user, token: loggedIn.token)
        let api = SpotifyAPI(
            configuration: configuration, tokenStore: tokens, budget: RequestBudget(limit: 1_000_000), logger: logger)
        return BenchLogin(api: api, user: user, tokens: tokens)
    }
}

extension BenchLogin {
    /// The entry point into the person's library, as every other caller goes through it.
    func actions(on database: any Database) -> UserActions {
        UserActions(database: database, api: api, tokens: tokens, user: user, origin: "the benchmark")
    }
}
