import ArgumentParser
import Foundation
import Library

/// The `playkeeper` binary: one subcommand a file in this folder, `serve` when none is named.
public struct PlaykeeperCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "playkeeper",
        abstract: "Keep a Spotify library in order: mirror it, remove duplicates, keep one playlist of everything.",
        discussion: "Run 'playkeeper demo' to try it offline against the Spotify emulator.",
        subcommands: [
            ServeCommand.self, DemoCommand.self, DoctorCommand.self, LoginCommand.self, UsersCommand.self,
            SyncCommand.self, PlaylistsCommand.self, HistoryCommand.self, DuplicatesCommand.self, DedupeCommand.self,
            UndoCommand.self, JournalCommand.self, IgnoreCommand.self, UnifyCommand.self, ExportCommand.self,
            PlaysCommand.self, ImportCommand.self, TopCommand.self, SmartCommand.self, EmulatorCommand.self,
        ],
        defaultSubcommand: ServeCommand.self
    )

    public init() {}

    /// Parses `arguments`, runs the command and returns the exit code the README documents: help is 0 on
    /// standard output, a usage error is 2 on standard error, and a command's failure has its own code.
    public static func run(arguments: [String]) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
            return ExitCode.ok.rawValue
        } catch let code as ArgumentParser.ExitCode {
            // A command's failure: CommandRunner has printed its message already.
            return code.rawValue
        } catch let failure as PlaykeeperError {
            // A flag checked before the command opened anything: reported as CommandRunner reports the rest.
            Output.progress("error: \(failure.message)")
            return failure.kind.exitCode.rawValue
        } catch {
            let message = fullMessage(for: error)
            if exitCode(for: error) == .success {
                Output.result(message)
                return ExitCode.ok.rawValue
            }
            Output.progress(message)
            return ExitCode.usage.rawValue
        }
    }
}

/// `--user ID`, which every command acting for one person takes.
struct UserOption: ParsableArguments {
    @Option(help: "The Spotify user id; required when several users are logged in.")
    var user: String?
}

/// Which playlists `duplicates` and `dedupe` look at, and by which rules.
struct DedupeTargetOptions: ParsableArguments {
    @Argument(help: "A playlist id, spotify:playlist: URI, open.spotify.com URL, exact name, or 'liked'.")
    var playlist: String?
    @Flag(help: "Every playlist you own.")
    var all = false
    @Flag(help: "With --all: collaborative playlists too.")
    var collaborative = false
    @Flag(help: "With --all: Liked Songs too.")
    var liked = false
    @Option(help: "exact (default), recording or similar.")
    var match: String?
    @Option(help: "first (default), oldest, newest, playable or album.")
    var keep: String?
}

// Vapor re-exports ConsoleKit, whose property wrappers carry the same names: in this module they are
// swift-argument-parser's.
typealias Option = ArgumentParser.Option
typealias Flag = ArgumentParser.Flag
typealias Argument = ArgumentParser.Argument
typealias OptionGroup = ArgumentParser.OptionGroup
