import Library
import Vapor

/// The exit codes every command uses (the README's table).
public enum ExitCode: Int32, Sendable {
    case ok = 0
    case error = 1
    /// Bad usage, or a confirmation needed with no terminal.
    case usage = 2
    case needsLogin = 3
    /// Spotify's rate limit or quota is exhausted.
    case rateLimited = 4
    /// The playlist changed since the plan, or another job of the person is running.
    case conflict = 5
}

/// The one mapping of an error's kind to what the CLI exits with and what the API answers.
extension PlaykeeperError.Kind {
    public var exitCode: ExitCode {
        switch self {
        case .malformed, .invalid: .usage
        case .needsLogin: .needsLogin
        case .rateLimited: .rateLimited
        case .conflict: .conflict
        case .forbidden, .notFound, .refused, .unavailable, .failed, .internal: .error
        }
    }

    public var status: HTTPResponseStatus {
        switch self {
        case .malformed: .badRequest
        case .invalid, .failed: .unprocessableEntity
        case .needsLogin: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict, .refused: .conflict
        case .rateLimited: .tooManyRequests
        case .unavailable: .serviceUnavailable
        case .internal: .internalServerError
        }
    }
}

extension LoginFlow.NotAllowListed: PlaykeeperErrorConvertible {
    public var playkeeperError: PlaykeeperError { PlaykeeperError(.forbidden, description) }
}
