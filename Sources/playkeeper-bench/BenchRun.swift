import App
import Foundation
import Logging
import Vapor

/// What every benchmark sets up and tears down: a quiet logger, the emulator as its own process, a temporary
/// data directory and a Vapor application for the store.
struct BenchRun {
    let emulator: ExternalEmulator
    let app: Application
    let directory: DataDirectory
    let logger: Logger

    /// Runs `body`, then stops the emulator, shuts the application down and deletes the directory, also after
    /// an error.
    static func with(emulator arguments: [String], _ body: (BenchRun) async throws -> Void) async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let emulator = try await ExternalEmulator(arguments: arguments)
        let directory = DataDirectory(
            url: FileManager.default.temporaryDirectory.appendingPathComponent("pk-bench-\(UUID().uuidString)"))
        let app: Application
        do {
            try directory.ensureExists()
            app = try await Application.make(.custom(name: "bench"), .singleton, logger: logger)
            app.logger = logger
        } catch {
            await emulator.stop()
            throw error
        }
        do {
            try await body(BenchRun(emulator: emulator, app: app, directory: directory, logger: logger))
        } catch {
            await emulator.stop()
            try? await app.asyncShutdown()
            try? FileManager.default.removeItem(at: directory.url)
            throw error
        }
        await emulator.stop()
        try await app.asyncShutdown()
        try? FileManager.default.removeItem(at: directory.url)
    }
}
