import Foundation
import SpotifyWebAPI
import Testing

struct ConfigurationTests {
    @Test func defaultsAndPKCEWithoutASecret() throws {
        let configuration = try SpotifyConfiguration.fromEnvironment(["SPOTIFY_CLIENT_ID": "abc"])
        #expect(configuration.redirectURI.absoluteString == "http://127.0.0.1:8080/callback")
        #expect(configuration.apiURL.absoluteString == "https://api.spotify.com/v1")
        #expect(configuration.accountsURL.absoluteString == "https://accounts.spotify.com")
        #expect(configuration.usesPKCE)
        let confidential = try SpotifyConfiguration.fromEnvironment(["SPOTIFY_CLIENT_ID": "abc", "SPOTIFY_CLIENT_SECRET": "s"])
        #expect(!confidential.usesPKCE)
    }

    @Test func aMissingClientIDIsNamed() {
        #expect(throws: ConfigurationError.missing("SPOTIFY_CLIENT_ID")) { try SpotifyConfiguration.fromEnvironment([:]) }
    }

    @Test(arguments: [
        "http://127.0.0.1:8080/callback", "http://127.0.0.1:9/x", "http://[::1]:8080/callback",
        "https://music.example.org/callback", "http://127.1.2.3:80/cb",
    ])
    func acceptedRedirects(_ uri: String) throws {
        try SpotifyConfiguration.validateRedirectURI(URL(string: uri)!)
    }

    @Test func localhostIsRefusedWithSpotifysRule() {
        do {
            try SpotifyConfiguration.validateRedirectURI(URL(string: "http://localhost:8080/callback")!)
            Issue.record("localhost was accepted")
        } catch let error as ConfigurationError {
            #expect(error.description.contains("localhost"))
            #expect(error.description.contains("http://127.0.0.1:8080/callback"), "the message says what to use instead")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test(arguments: ["http://192.168.1.10:8080/callback", "http://music.example.org/callback", "ftp://127.0.0.1/x"])
    func plainHTTPOutsideLoopbackIsRefused(_ uri: String) {
        #expect(throws: ConfigurationError.self) { try SpotifyConfiguration.validateRedirectURI(URL(string: uri)!) }
    }

    @Test func malformedURLsAreNamed() {
        #expect(throws: ConfigurationError.invalid("SPOTIFY_API_URL", "'not a url' is not an http(s) URL")) {
            try SpotifyConfiguration.fromEnvironment(["SPOTIFY_CLIENT_ID": "a", "SPOTIFY_API_URL": "not a url"])
        }
    }

    @Test func pkceMatchesRFC7636() throws {
        // The example pair from RFC 7636, appendix B.
        let pkce = try PKCE(verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        #expect(pkce.challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        let generated = PKCE.generate()
        #expect((43...128).contains(generated.verifier.count))
        #expect(throws: ConfigurationError.self) { try PKCE(verifier: "short") }
        #expect(PKCE.generate().verifier != generated.verifier)
    }

    @Test func authorizeURLCarriesStateChallengeAndTheOneScopeList() throws {
        let configuration = try SpotifyConfiguration.fromEnvironment(["SPOTIFY_CLIENT_ID": "abc"])
        let accounts = SpotifyAccounts(configuration: configuration, transport: FailingTransport())
        let authorization = accounts.authorization()
        let items = URLComponents(url: authorization.url, resolvingAgainstBaseURL: false)!.queryItems!
        func value(_ name: String) -> String? { items.first { $0.name == name }?.value }
        #expect(authorization.url.absoluteString.hasPrefix("https://accounts.spotify.com/authorize?"))
        #expect(value("client_id") == "abc")
        #expect(value("response_type") == "code")
        #expect(value("state") == authorization.state)
        #expect(value("code_challenge_method") == "S256")
        #expect(value("code_challenge") == authorization.pkce?.challenge)
        #expect(value("scope")?.split(separator: " ").map(String.init) == SpotifyScope.all)
        #expect(SpotifyScope.all.contains("user-library-modify"))

        let confidential = SpotifyAccounts(
            configuration: try SpotifyConfiguration.fromEnvironment(["SPOTIFY_CLIENT_ID": "abc", "SPOTIFY_CLIENT_SECRET": "s"]),
            transport: FailingTransport()
        ).authorization()
        #expect(confidential.pkce == nil)
        #expect(!confidential.url.absoluteString.contains("code_challenge"))
    }

    @Test func tokenDescriptionsHideSecrets() {
        let token = SpotifyToken(
            accessToken: "ACCESS-SECRET", refreshToken: "REFRESH-SECRET", expiresAt: Date(), scope: nil, authorizedAt: Date())
        #expect(!"\(token)".contains("SECRET"))
    }
}

/// A transport that fails every request: proves a code path makes no network call.
struct FailingTransport: SpotifyTransport {
    func send(_ request: SpotifyHTTPRequest) async throws -> SpotifyHTTPResponse {
        Issue.record("unexpected request to \(request.url.path)")
        throw TransportFailure.notSent("no network in this test")
    }
}
