import Vapor

/// The composition root: commands now; the database, routes and jobs as they land.
public func configure(_ app: Application) async throws {
    app.asyncCommands.use(EmulatorCommand(), as: "emulator")
    app.asyncCommands.use(LoginCommand(), as: "login")
}
