import Foundation
import Library
import SpotifyWebAPI

/// The exit codes every command uses.
public enum ExitCode: Int32, Sendable {
    case ok = 0
    case error = 1
    /// Bad usage, or a confirmation needed with no terminal.
    case usage = 2
    case needsLogin = 3
    /// Spotify's rate limit or quota is exhausted.
    case rateLimited = 4
    /// The playlist changed since the plan.
    case conflict = 5
}

/// An error a command reports to the person: a message on stderr and an exit code.
public struct CommandFailure: Error, CustomStringConvertible, Sendable {
    public let code: ExitCode
    public let message: String

    public init(_ code: ExitCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// Maps any error to what the person should see and the exit code scripts rely on.
    public static func from(_ error: any Error) -> CommandFailure {
        switch error {
        case let failure as CommandFailure:
            return failure
        case let error as SpotifyError:
            switch error {
            case .notLoggedIn, .reauthorizationRequired: return CommandFailure(.needsLogin, error.description)
            case .rateLimited, .quotaExceeded: return CommandFailure(.rateLimited, error.description)
            default: return CommandFailure(.error, error.description)
            }
        case let error as DedupeError:
            if case .stale = error { return CommandFailure(.conflict, error.description) }
            return CommandFailure(.error, error.description)
        case let error as LoginFlow.NotAllowListed:
            return CommandFailure(.error, error.description)
        case let error as ConfigurationError:
            return CommandFailure(.error, "configuration error: \(error.description)")
        default:
            return CommandFailure(.error, "\(error)")
        }
    }
}
