import Foundation

/// Spotify's redirect URI rules, as its dashboard and `/authorize` apply them since April 2025 (the fact sheet's
/// "Redirect URIs", and Spotify's own "Redirect URIs" page): HTTPS, or plain HTTP to a loopback IP literal
/// (`127.0.0.1`, `[::1]`), never `localhost`; an authorize request's `redirect_uri` must match a registered one
/// exactly, scheme, host, port and path, except that a loopback literal registered without a port takes any port.
public enum RedirectURIs {
    /// Why the dashboard would refuse to register `uri`; nil if it takes it.
    public static func problem(_ uri: String) -> String? {
        guard let parts = URLComponents(string: uri), let scheme = parts.scheme?.lowercased(),
            let host = parts.host?.lowercased(), !host.isEmpty
        else { return "not an absolute URL" }
        if parts.fragment != nil { return "a redirect URI has no fragment" }
        if host == "localhost" { return "localhost is not allowed; use 127.0.0.1 or [::1]" }
        switch scheme {
        case "https": return nil
        case "http": return isLoopback(host) ? nil : "HTTP is allowed for a loopback address only (127.0.0.1, [::1]); use HTTPS"
        default: return "the scheme must be https, or http for a loopback address"
        }
    }

    /// Whether an authorize request's `redirect_uri` is the registered one.
    public static func matches(_ requested: String, registered: String) -> Bool {
        guard problem(requested) == nil, let asked = URLComponents(string: requested),
            let known = URLComponents(string: registered)
        else { return false }
        let host = known.host?.lowercased() ?? ""
        let anyPort = known.port == nil && known.scheme?.lowercased() == "http" && isLoopback(host)
        return asked.scheme?.lowercased() == known.scheme?.lowercased() && asked.host?.lowercased() == host
            && (anyPort || asked.port == known.port) && path(asked) == path(known)
            && asked.percentEncodedQuery == known.percentEncodedQuery
    }

    /// `127.0.0.0/8` or `::1`, as literals (URLComponents keeps an IPv6 host's brackets).
    static func isLoopback(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if bare == "::1" { return true }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets.allSatisfy { UInt8($0) != nil } && octets[0] == "127"
    }

    /// An empty path is the root.
    private static func path(_ parts: URLComponents) -> String {
        parts.percentEncodedPath.isEmpty ? "/" : parts.percentEncodedPath
    }
}
