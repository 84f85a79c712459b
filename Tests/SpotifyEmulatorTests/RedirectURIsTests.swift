import Foundation
import NIOHTTP1
import PlaykeeperJSON
import SpotifyEmulator
import Testing
import Vapor

/// The emulator refuses a redirect URI that is not registered for the app, as Spotify does: an error page, no
/// redirect back. Matching is exact (scheme, host, port, path), except that a loopback literal registered without a
/// port takes any port.
struct RedirectURIsTests {
    @Test(arguments: [
        ("http://127.0.0.1:8080/callback", "http://127.0.0.1/callback", true),
        ("http://127.0.0.1:54321/callback", "http://127.0.0.1/callback", true),
        ("http://127.0.0.1/callback", "http://127.0.0.1/callback", true),
        ("http://[::1]:9000/callback", "http://[::1]/callback", true),
        ("http://127.0.0.1:8080/callback", "http://127.0.0.1:8080/callback", true),
        ("http://127.0.0.1:8081/callback", "http://127.0.0.1:8080/callback", false),
        ("http://127.0.0.1:8080/callback/", "http://127.0.0.1/callback", false),
        ("http://127.0.0.1:8080/Callback", "http://127.0.0.1/callback", false),
        ("http://127.0.0.2:8080/callback", "http://127.0.0.1/callback", false),
        ("http://[::1]:8080/callback", "http://127.0.0.1/callback", false),
        ("https://music.example.org/callback", "https://music.example.org/callback", true),
        ("https://MUSIC.example.org/callback", "https://music.example.org/callback", true),
        ("https://music.example.org:8443/callback", "https://music.example.org/callback", false),
        ("http://music.example.org/callback", "https://music.example.org/callback", false),
        ("https://music.example.org/callback?x=1", "https://music.example.org/callback", false),
        ("https://music.example.org/other", "https://music.example.org/callback", false),
        ("http://localhost:8080/callback", "http://127.0.0.1/callback", false),
    ])
    func matchingIsExactButForTheLoopbackPort(requested: String, registered: String, matches: Bool) {
        #expect(RedirectURIs.matches(requested, registered: registered) == matches)
    }

    @Test func registrationFollowsSpotifysRules() {
        for good in ["https://music.example.org/callback", "http://127.0.0.1/callback", "http://[::1]:8080/cb"] {
            #expect(RedirectURIs.problem(good) == nil, "\(good)")
        }
        for bad in [
            "http://localhost:8080/callback", "http://192.168.1.10:8080/callback", "http://music.example.org/callback",
            "ftp://127.0.0.1/x", "/callback", "https://music.example.org/callback#top",
        ] {
            #expect(RedirectURIs.problem(bad) != nil, "\(bad)")
        }
    }

    func authorize(_ client: EmulatorClient, _ redirect: String) async throws -> EmulatorClient.Reply {
        let escaped = redirect.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        return try await client.call(
            .GET, "authorize?client_id=playkeeper-demo&response_type=code&redirect_uri=\(escaped)&state=s1")
    }

    @Test func anUnregisteredRedirectURIIsRefusedWithoutARedirect() async throws {
        try await EmulatorClient.with { client in
            // The default registration: the loopback literals without a port, path /callback.
            #expect(try await authorize(client, "http://127.0.0.1:45678/callback").status == 303)
            let registered = try await client.call(
                .PUT, "__emulator/apps/playkeeper-demo/redirect-uris",
                json: ["redirect_uris": ["https://music.example.org/callback", "http://127.0.0.1:8080/callback"]])
            #expect(registered.status == 200, "\(registered.text)")
            let apps = try await client.call(.GET, "__emulator/apps")
            #expect(
                apps.json == [
                    [
                        "client_id": "playkeeper-demo",
                        "redirect_uris": ["https://music.example.org/callback", "http://127.0.0.1:8080/callback"],
                    ]
                ])
            #expect(!apps.text.contains("secret"))

            let accepted = try await authorize(client, "https://music.example.org/callback")
            #expect(accepted.headers.first(name: .location)?.hasPrefix("https://music.example.org/callback?code=") == true)
            #expect(try await authorize(client, "http://127.0.0.1:8080/callback").headers.first(name: .location) != nil)
            for refused in [
                "http://127.0.0.1:8081/callback", "https://music.example.org/callback/", "https://other.example.org/callback",
            ] {
                let reply = try await authorize(client, refused)
                #expect(reply.status == 400, "\(refused)")
                #expect(reply.text.contains("INVALID_CLIENT: Invalid redirect URI"), "\(refused)")
                #expect(reply.headers.first(name: .location) == nil, "\(refused) is not redirected to")
            }

            // What the dashboard would refuse cannot be registered; nothing registered refuses every login.
            let localhost = try await client.call(
                .PUT, "__emulator/apps/playkeeper-demo/redirect-uris", json: ["redirect_uris": ["http://localhost/callback"]])
            #expect(localhost.status == 400 && localhost.text.contains("localhost"))
            #expect(
                try await client.call(.PUT, "__emulator/apps/nope/redirect-uris", json: ["redirect_uris": []]).status == 404)
            #expect(
                try await client.call(.PUT, "__emulator/apps/playkeeper-demo/redirect-uris", json: ["redirect_uris": []])
                    .status == 200)
            #expect(try await authorize(client, "https://music.example.org/callback").status == 400)
        }
    }
}
