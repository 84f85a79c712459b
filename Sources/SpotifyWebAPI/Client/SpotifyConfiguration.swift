import Foundation

/// How to reach Spotify and who we are to it.
public struct SpotifyConfiguration: Sendable, Equatable {
    public var clientID: String
    /// With a secret the confidential flow is used; without one, PKCE. The two are never mixed.
    public var clientSecret: String?
    public var redirectURI: URL
    /// The Web API base, e.g. `https://api.spotify.com/v1`.
    public var apiURL: URL
    /// The Accounts service base, e.g. `https://accounts.spotify.com`.
    public var accountsURL: URL
    public var scopes: [String]

    public static let defaultRedirectURI = "http://127.0.0.1:8080/callback"
    public static let defaultAPIURL = "https://api.spotify.com/v1"
    public static let defaultAccountsURL = "https://accounts.spotify.com"

    public init(
        clientID: String,
        clientSecret: String? = nil,
        redirectURI: URL,
        apiURL: URL,
        accountsURL: URL,
        scopes: [String] = SpotifyScope.all
    ) throws {
        guard !clientID.isEmpty else { throw ConfigurationError.missing("SPOTIFY_CLIENT_ID") }
        try Self.validateRedirectURI(redirectURI)
        self.clientID = clientID
        self.clientSecret = (clientSecret?.isEmpty ?? true) ? nil : clientSecret
        self.redirectURI = redirectURI
        self.apiURL = Self.trimmingTrailingSlash(apiURL)
        self.accountsURL = Self.trimmingTrailingSlash(accountsURL)
        self.scopes = scopes
    }

    /// Reads `SPOTIFY_CLIENT_ID`, `SPOTIFY_CLIENT_SECRET`, `SPOTIFY_REDIRECT_URI`, `SPOTIFY_API_URL` and
    /// `SPOTIFY_ACCOUNTS_URL`.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> SpotifyConfiguration {
        guard let clientID = environment["SPOTIFY_CLIENT_ID"], !clientID.isEmpty else {
            throw ConfigurationError.missing("SPOTIFY_CLIENT_ID")
        }
        return try SpotifyConfiguration(
            clientID: clientID,
            clientSecret: environment["SPOTIFY_CLIENT_SECRET"],
            redirectURI: try url(environment, "SPOTIFY_REDIRECT_URI", default: defaultRedirectURI),
            apiURL: try url(environment, "SPOTIFY_API_URL", default: defaultAPIURL),
            accountsURL: try url(environment, "SPOTIFY_ACCOUNTS_URL", default: defaultAccountsURL)
        )
    }

    public var usesPKCE: Bool { clientSecret == nil }

    private static func url(_ environment: [String: String], _ name: String, default fallback: String) throws -> URL {
        let text = environment[name].flatMap { $0.isEmpty ? nil : $0 } ?? fallback
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host != nil
        else { throw ConfigurationError.invalid(name, "'\(text)' is not an http(s) URL") }
        return url
    }

    private static func trimmingTrailingSlash(_ url: URL) -> URL {
        var text = url.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        return URL(string: text) ?? url
    }

    /// Spotify accepts HTTPS redirect URIs, and plain HTTP only to a loopback IP literal.
    /// `localhost` is refused by Spotify since 2025, and so are LAN addresses over HTTP.
    public static func validateRedirectURI(_ uri: URL) throws {
        guard let scheme = uri.scheme?.lowercased(), let host = uri.host?.lowercased() else {
            throw ConfigurationError.invalid("SPOTIFY_REDIRECT_URI", "'\(uri.absoluteString)' is not an absolute URL")
        }
        if scheme == "https" { return }
        guard scheme == "http" else {
            throw ConfigurationError.invalid("SPOTIFY_REDIRECT_URI", "the scheme must be https or http")
        }
        if host == "localhost" {
            throw ConfigurationError.invalid(
                "SPOTIFY_REDIRECT_URI",
                "Spotify rejects 'localhost' in redirect URIs. Use the loopback IP literal instead, "
                    + "e.g. http://127.0.0.1:\(uri.port ?? 8080)\(uri.path.isEmpty ? "/callback" : uri.path), "
                    + "and register exactly that URI in your Spotify app"
            )
        }
        guard isLoopbackLiteral(host) else {
            throw ConfigurationError.invalid(
                "SPOTIFY_REDIRECT_URI",
                "Spotify allows plain http only for loopback IP literals (http://127.0.0.1:PORT/... or "
                    + "http://[::1]:PORT/...). Use https for '\(host)'"
            )
        }
    }

    /// `127.0.0.0/8` or `::1`, written as an IP literal.
    public static func isLoopbackLiteral(_ host: String) -> Bool {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if bare == "::1" { return true }
        let octets = bare.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) else { return false }
        return octets[0] == "127"
    }
}

public enum ConfigurationError: Error, Equatable, CustomStringConvertible {
    case missing(String)
    case invalid(String, String)

    public var description: String {
        switch self {
        case .missing(let name): "\(name) is not set"
        case .invalid(let name, let reason): "\(name) is invalid: \(reason)"
        }
    }
}

/// The scopes Playkeeper asks for. Every login path uses this one list.
public enum SpotifyScope {
    public static let all = [
        "playlist-read-private",
        "playlist-read-collaborative",
        "playlist-modify-public",
        "playlist-modify-private",
        "user-library-read",
        "user-library-modify",
        "user-read-private",
        "user-read-recently-played",
    ]
}
