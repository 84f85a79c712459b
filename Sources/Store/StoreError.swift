import Foundation

/// A problem with the store's configuration or contents. Messages never include passwords or keys.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    case invalidDatabaseURL(String)
    case unreachable(String)
    case invalidSecretKey(String)
    case undecryptable(user: String)
    case leaseHeld(name: String, holder: String)
    case notFound(String)

    public var description: String {
        switch self {
        case .invalidDatabaseURL(let reason): "DATABASE_URL is invalid: \(reason)"
        case .unreachable(let reason): "cannot open the database: \(reason)"
        case .invalidSecretKey(let reason): "PLAYKEEPER_SECRET_KEY is invalid: \(reason)"
        case .undecryptable(let user):
            "the stored tokens of \(user) cannot be decrypted with this secret key (was the key changed or lost?); log in again"
        case .leaseHeld(let name, let holder): "\(name) is running in another process (\(holder))"
        case .notFound(let what): "\(what) was not found"
        }
    }
}
