import App
import Foundation
import Logging
import Vapor

@main
enum Entrypoint {
    static func main() async {
        var environment = (try? Environment.detect()) ?? .development
        do {
            try LoggingSystem.bootstrap(from: &environment)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(ExitCode.usage.rawValue)
        }
        let code: ExitCode
        do {
            let app = try await Application.make(environment)
            do {
                try await configure(app)
                try await app.execute()
                code = .ok
            } catch let exit as ExitWith {
                code = exit.code
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
