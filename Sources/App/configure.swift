import Vapor

/// The composition root: the commands, then (as they land) routes and jobs. The store is opened lazily by the
/// commands that use it, so `emulator` and `--help` never touch a database.
public func configure(_ app: Application) async throws {
    app.asyncCommands.use(EmulatorCommand(), as: "emulator")
    app.asyncCommands.use(LoginCommand(), as: "login")
    app.asyncCommands.use(UsersCommand(), as: "users")
    app.asyncCommands.use(SyncCommand(), as: "sync")
    app.asyncCommands.use(PlaylistsCommand(), as: "playlists")
    app.asyncCommands.use(HistoryCommand(), as: "history")
    app.asyncCommands.use(DuplicatesCommand(), as: "duplicates")
    app.asyncCommands.use(DedupeCommand(), as: "dedupe")
    app.asyncCommands.use(UndoCommand(), as: "undo")
    app.asyncCommands.use(JournalCommand(), as: "journal")
    app.asyncCommands.use(IgnoreCommand(), as: "ignore")
    app.asyncCommands.use(UnifyCommand(), as: "unify")
    app.asyncCommands.use(ServeCommand(), as: "serve", isDefault: true)
    app.asyncCommands.use(DemoCommand(), as: "demo")
    app.asyncCommands.use(ExportCommand(), as: "export")
    app.asyncCommands.use(DoctorCommand(), as: "doctor")
}
