import ArgumentParser
import Vapor
import Foundation
import Library

#if canImport(Glibc)
    import Glibc
#endif

/// Progress and errors go to standard error; standard output is for results (`--json`, URLs).
enum Output {
    /// A result line on standard output, written at once (scripts read it while the command runs).
    static func result(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// A one-line progress bar on a terminal's standard error.
    static func bar(_ done: Int, _ total: Int, _ label: String) {
        let width = 24
        let filled = total > 0 ? width * done / total : width
        let text =
            "\r[\(String(repeating: "#", count: filled))\(String(repeating: ".", count: width - filled))] \(done)/\(total) \(label.prefix(40))"
        FileHandle.standardError.write(Data((text + "\u{1B}[K").utf8))
    }

    /// Whether standard error is a terminal, where progress bars go.
    static var onTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// A progress bar for a sync on a terminal's standard error; `nil` (no bar) when standard error is not one.
    static var syncBar: (@Sendable (SyncProgress) -> Void)? {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        return { progress in bar(progress.done, progress.total, progress.playlist) }
    }

    /// Runs a long step with `syncBar` and clears the bar after, also after an error.
    static func withSyncBar<T>(_ body: ((@Sendable (SyncProgress) -> Void)?) async throws -> T) async throws -> T {
        let progress = syncBar
        defer { if progress != nil { clearBar() } }
        return try await body(progress)
    }

    static func clearBar() {
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    static func progress(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}

/// Runs a command's body with a Vapor application (the store and any server live on it), shuts the application
/// down, and turns a failure into one line on standard error and the exit code the README documents.
enum CommandRunner {
    @discardableResult
    static func run<T>(_ body: (Application) async throws -> T) async throws -> T {
        let app = try await Application.make(Environment.detect(arguments: [CommandLine.arguments.first ?? "playkeeper"]))
        let result: Result<T, PlaykeeperError>
        do {
            result = .success(try await body(app))
        } catch {
            let failure = PlaykeeperError.from(error)
            Output.progress("error: \(failure.message)")
            result = .failure(failure)
        }
        try? await app.asyncShutdown()
        switch result {
        case .success(let value): return value
        case .failure(let failure): throw ArgumentParser.ExitCode(failure.kind.exitCode.rawValue)
        }
    }
}
