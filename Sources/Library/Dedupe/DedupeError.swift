import Foundation

/// Why a dedupe or an undo did not go ahead. The HTTP layer maps these to 409/403/404; the CLI to exit codes.
public enum DedupeError: Error, CustomStringConvertible, Sendable {
    /// The playlist changed since the plan was made: a stale plan is never applied.
    case stale(playlist: String, planned: String?, current: String?)
    case notEditable(String)
    case notFound(String)
    /// An undo that would not restore the original faithfully.
    case refused(String)

    public var description: String {
        switch self {
        case .stale(let playlist, _, _):
            "\(playlist) changed since this preview was made; nothing was written. Look at the new preview before applying it"
        case .notEditable(let name):
            "\(name) belongs to someone else: only your own and collaborative playlists can be changed"
        case .notFound(let what): "\(what) was not found"
        case .refused(let reason): reason
        }
    }
}
