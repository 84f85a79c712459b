import Foundation
import PlaykeeperJSON
import SpotifyWebAPI
import Store

/// The one error an operation on a person's library ends with, whoever asked: the CLI turns its kind into an
/// exit code and the API into an HTTP status, each in one mapping (`PlaykeeperError.Kind` in App's
/// ErrorMapping.swift). Messages carry context, never a token or a secret.
public struct PlaykeeperError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The request or the arguments cannot be read (a number out of range, a body that is not JSON).
        case malformed
        /// Readable, but not something this operation takes (an unknown setting, a name too long).
        case invalid
        /// Nobody is logged in, or Spotify wants the person to log in again.
        case needsLogin
        /// The person may not do this (a playlist that is someone else's, a missing CSRF token).
        case forbidden
        case notFound
        /// The state changed under the request: a stale plan, another job of the person running.
        case conflict
        /// Refused on purpose, though nothing changed meanwhile that another try would fix (an undo that
        /// would not restore faithfully without --force).
        case refused
        /// Spotify's rate limit or quota is exhausted.
        case rateLimited
        /// The store, Spotify or the configuration cannot serve the request now.
        case unavailable
        /// Something failed that the person can read about (a file that cannot be written, no answer in time).
        case failed
        /// A fault of ours; the API shows a generic message and logs the detail.
        case `internal`
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    public static func notFound(_ what: String) -> PlaykeeperError { PlaykeeperError(.notFound, "\(what) was not found") }

    /// What any error means to the person: errors of the store, of Spotify and of the domain each have one kind.
    public static func from(_ error: any Error) -> PlaykeeperError {
        switch error {
        case let error as PlaykeeperError: return error
        case let error as any PlaykeeperErrorConvertible: return error.playkeeperError
        case let error as DecodingError:
            return PlaykeeperError(.malformed, "the input is not what was expected: \(describe(error))")
        case let error as JSONValue.ParseError: return PlaykeeperError(.malformed, "the input is not JSON: \(error)")
        default: return PlaykeeperError(.internal, String(describing: error))
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "'\(key.stringValue)' is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        @unknown default: "\(error)"
        }
    }
}

/// An error that knows which `PlaykeeperError` it is.
public protocol PlaykeeperErrorConvertible: Error {
    var playkeeperError: PlaykeeperError { get }
}

extension DedupeError: PlaykeeperErrorConvertible {
    public var playkeeperError: PlaykeeperError {
        switch self {
        case .stale: PlaykeeperError(.conflict, description)
        case .notEditable: PlaykeeperError(.forbidden, description)
        case .notFound: PlaykeeperError(.notFound, description)
        case .refused: PlaykeeperError(.refused, description)
        }
    }
}

extension SpotifyError: PlaykeeperErrorConvertible {
    public var playkeeperError: PlaykeeperError {
        switch self {
        case .notLoggedIn, .reauthorizationRequired:
            PlaykeeperError(.needsLogin, "Spotify needs you to log in again: \(description)")
        case .rateLimited, .quotaExceeded: PlaykeeperError(.rateLimited, description)
        case .api(let status, _, _, _) where status == 403: PlaykeeperError(.forbidden, description)
        case .api(let status, _, _, _) where status == 404: PlaykeeperError(.notFound, description)
        default: PlaykeeperError(.unavailable, "Spotify did not answer as expected: \(description)")
        }
    }
}

extension SpotifyAccounts.AuthorizationRefused: PlaykeeperErrorConvertible {
    /// The configuration cannot serve a login until the app's settings or Playkeeper's change.
    public var playkeeperError: PlaykeeperError { PlaykeeperError(.unavailable, description) }
}

extension StoreError: PlaykeeperErrorConvertible {
    public var playkeeperError: PlaykeeperError {
        switch self {
        case .leaseHeld: PlaykeeperError(.conflict, description)
        case .notFound: PlaykeeperError(.notFound, description)
        case .invalidDatabaseURL, .unreachable, .invalidSecretKey, .undecryptable: PlaykeeperError(.unavailable, description)
        }
    }
}

extension ConfigurationError: PlaykeeperErrorConvertible {
    public var playkeeperError: PlaykeeperError { PlaykeeperError(.unavailable, "configuration error: \(description)") }
}
