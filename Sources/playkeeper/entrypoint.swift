import App
import Foundation
import Logging

@main
enum Entrypoint {
    static func main() async {
        // Logs go to standard error: standard output carries results (`--json`, URLs) that scripts read.
        let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .notice
        // Every line is redacted first: no token, cookie, code or CSRF token reaches the log, at any level.
        LoggingSystem.bootstrap { label in
            var handler = RedactingLogHandler(StreamLogHandler.standardError(label: label))
            handler.logLevel = level
            return handler
        }
        exit(await PlaykeeperCommand.run(arguments: Array(CommandLine.arguments.dropFirst())))
    }
}
