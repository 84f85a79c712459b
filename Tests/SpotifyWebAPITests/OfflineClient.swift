import Foundation
import SpotifyWebAPI

/// A client of user `u` with a valid token, whose requests go to `transport` alone (the URLs name no real host).
func offlineClient(_ transport: any SpotifyTransport) throws -> SpotifyClient {
    let configuration = try SpotifyConfiguration(
        clientID: "id", redirectURI: URL(string: "http://127.0.0.1:8080/callback")!,
        apiURL: URL(string: "http://api.test/v1")!, accountsURL: URL(string: "http://accounts.test")!)
    let store = InMemoryTokenStore([
        "u": SpotifyToken(
            accessToken: "a", refreshToken: "r", expiresAt: Date().addingTimeInterval(3600), scope: nil, authorizedAt: Date())
    ])
    return SpotifyAPI(configuration: configuration, tokenStore: store, transport: transport).client(for: "u")
}
