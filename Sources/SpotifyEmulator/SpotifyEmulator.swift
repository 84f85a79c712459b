import Foundation
import Logging
import NIOCore
import Vapor

/// A Spotify you can run: the Accounts service, the Web API (`/v1`) and an admin API on one port.
public enum SpotifyEmulator {
    /// Adds the emulator's routes to an application.
    public static func configure(_ app: Application, state: EmulatorState) {
        app.routes.defaultMaxBodySize = "64mb"
        AccountsRoutes(state: state).register(on: app)
        WebAPIRoutes(state: state).register(on: app)
        AdminRoutes(state: state).register(on: app)
    }

    /// Starts an emulator on 127.0.0.1. Port 0 lets the OS pick a free port, as tests do.
    public static func start(
        state: EmulatorState = EmulatorState(library: LibraryGenerator().generate()),
        port: Int = 0,
        logLevel: Logger.Level = .warning
    ) async throws -> RunningEmulator {
        var logger = Logger(label: "spotify-emulator")
        logger.logLevel = logLevel
        let app = try await Application.make(.custom(name: "emulator"), .singleton, logger: logger)
        app.logger = logger
        configure(app, state: state)
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = port
        app.http.server.configuration.reuseAddress = true
        do {
            try await app.asyncBoot()
            try await app.server.start(address: .hostname("127.0.0.1", port: port))
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        guard let bound = app.http.server.shared.localAddress?.port else {
            await app.server.shutdown()
            try await app.asyncShutdown()
            throw EmulatorError.badRequest("the emulator did not bind a port")
        }
        let running = RunningEmulator(app: app, state: state, port: bound)
        await state.setBaseURL(running.baseURL)
        return running
    }
}

/// An emulator serving in this process.
public final class RunningEmulator: Sendable {
    let app: Application
    public let state: EmulatorState
    public let port: Int

    init(app: Application, state: EmulatorState, port: Int) {
        self.app = app
        self.state = state
        self.port = port
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// What `SPOTIFY_API_URL` should be.
    public var apiURL: String { "\(baseURL)/v1" }
    /// What `SPOTIFY_ACCOUNTS_URL` should be.
    public var accountsURL: String { baseURL }

    public func shutdown() async {
        await app.server.shutdown()
        try? await app.asyncShutdown()
    }
}
