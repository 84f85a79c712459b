import Foundation
import PlaykeeperJSON

/// One Web API call, before it is sent.
struct SpotifyRequest: Sendable {
    enum Target: Sendable {
        /// A path below the API base, with its query.
        case path(String, query: [(String, String)])
        /// An absolute URL Spotify gave us (a `next` link).
        case url(URL)
    }

    var method: String
    var target: Target
    /// The endpoint's template, e.g. `GET /v1/playlists/{id}/items`: logs, errors and metrics use it.
    var endpoint: String
    var body: JSONValue?

    /// Writes are not retried blindly after a 5xx: Spotify may have applied them.
    var isWrite: Bool { method != "GET" }

    static func get(_ path: String, _ endpoint: String, query: [(String, String)] = []) -> SpotifyRequest {
        SpotifyRequest(method: "GET", target: .path(path, query: query), endpoint: "GET /v1\(endpoint)", body: nil)
    }

    static func write(
        _ method: String, _ path: String, _ endpoint: String, query: [(String, String)] = [], body: JSONValue? = nil
    ) -> SpotifyRequest {
        SpotifyRequest(method: method, target: .path(path, query: query), endpoint: "\(method) /v1\(endpoint)", body: body)
    }

    func url(base: URL) -> URL {
        switch target {
        case .url(let url):
            return url
        case .path(let path, let query):
            var components = URLComponents(string: base.absoluteString + path)!
            if !query.isEmpty {
                components.percentEncodedQuery = FormEncoding.encode(query)
            }
            return components.url!
        }
    }
}

/// Path segments come from ids the user typed; encode anything that is not an id character.
func pathSegment(_ value: String) -> String {
    value.addingPercentEncoding(withAllowedCharacters: FormEncoding.allowed) ?? value
}
