import App
import Foundation
import Logging
import Vapor

@main
enum Entrypoint {
    static func main() async {
        let environment = (try? Environment.detect()) ?? .development
        // Logs go to standard error: standard output carries results (`--json`, URLs) that scripts read.
        let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .notice
        // Every line is redacted first: no token, cookie, code or CSRF token reaches the log, at any level.
        LoggingSystem.bootstrap { label in
            var handler = RedactingLogHandler(StreamLogHandler.standardError(label: label))
            handler.logLevel = level
            return handler
        }
        let code: ExitCode
        do {
            let app = try await Application.make(environment)
            do {
                try await configure(app)
                try await app.execute()
                code = app.storage[ExitCodeKey.self] ?? .ok
            } catch let error as CommandError {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                code = .usage
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                code = .error
            }
            try? await app.asyncShutdown()
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            code = .error
        }
        exit(code.rawValue)
    }
}
