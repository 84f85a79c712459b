import Crypto
import Foundation
import PlaykeeperJSON
import SpotifyEmulator
import Testing
import VaporTesting

struct AccountsServiceTests {
    @Test func authorizeRedirectsWithCodeAndState() async throws {
        try await EmulatorClient.with { client in
            let location = try await client.authorize()
            #expect(location.hasPrefix("http://127.0.0.1:8080/callback?code="))
            #expect(location.hasSuffix("&state=s1"))
        }
    }

    @Test(arguments: ["http%3A%2F%2Flocalhost%3A8080%2Fcallback", "http%3A%2F%2F192.168.1.2%3A8080%2Fcallback"])
    func localhostAndLANRedirectsAreRefused(_ redirect: String) async throws {
        try await EmulatorClient.with { client in
            let reply = try await client.call(
                .GET, "authorize?client_id=playkeeper-demo&response_type=code&redirect_uri=\(redirect)&state=x")
            #expect(reply.status == 400)
            #expect(reply.text.contains("INVALID_CLIENT: Invalid redirect URI"))
            #expect(reply.headers.first(name: .location) == nil)
        }
    }

    @Test func anUnknownClientIsRefused() async throws {
        try await EmulatorClient.with { client in
            let reply = try await client.call(
                .GET, "authorize?client_id=nope&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Fcb")
            #expect(reply.status == 400)
            #expect(reply.text.contains("INVALID_CLIENT: Invalid client"))
        }
    }

    @Test func denyingConsentRedirectsWithAccessDenied() async throws {
        try await EmulatorClient.with { client in
            try await client.state.setApprover(user: nil, deny: true)
            let location = try await client.authorize()
            #expect(location == "http://127.0.0.1:8080/callback?error=access_denied&state=s1")
        }
    }

    @Test func theAdminAPIChoosesWhoApproves() async throws {
        try await EmulatorClient.with { client in
            let token = try await client.token(for: "friend")
            let me = try await client.call(.GET, "v1/me", token: token)
            #expect(me.json["id"]?.stringValue == "friend")
            let stranger = try await client.call(.GET, "v1/me", token: try await client.token(for: "stranger"))
            #expect(stranger.status == 403, "not on the app's allow-list")
        }
    }

    @Test func codesAreSingleUse() async throws {
        try await EmulatorClient.with { client in
            let location = try await client.authorize()
            let code = URLComponents(string: location)!.queryItems!.first { $0.name == "code" }!.value!
            let form = ["grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1:8080/callback"]
            let first = try await client.call(.POST, "api/token", form: form, headers: EmulatorClient.basic)
            #expect(first.status == 200)
            #expect(first.json["refresh_token"]?.stringValue != nil)
            #expect(first.json["expires_in"]?.intValue == 3600)
            let second = try await client.call(.POST, "api/token", form: form, headers: EmulatorClient.basic)
            #expect(second.status == 400)
            #expect(second.json["error"]?.stringValue == "invalid_grant")
            #expect(second.json["error_description"]?.stringValue != nil)
        }
    }

    @Test func codesExpire() async throws {
        try await EmulatorClient.with { client in
            let location = try await client.authorize()
            let code = URLComponents(string: location)!.queryItems!.first { $0.name == "code" }!.value!
            await client.state.advanceClock(seconds: 601)
            let reply = try await client.call(
                .POST, "api/token",
                form: ["grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1:8080/callback"],
                headers: EmulatorClient.basic)
            #expect(reply.json["error"]?.stringValue == "invalid_grant")
        }
    }

    func pkceCode(_ client: EmulatorClient, verifier: String) async throws -> String {
        let challenge = Data(SHA256.hash(data: Data(verifier.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(
                of: "=", with: "")
        let location = try await client.authorize(extra: "&code_challenge_method=S256&code_challenge=\(challenge)")
        return URLComponents(string: location)!.queryItems!.first { $0.name == "code" }!.value!
    }

    @Test func pkceVerifiesTheVerifierAndRotatesRefreshTokens() async throws {
        try await EmulatorClient.with { client in
            let verifier = String(repeating: "v", count: 50)
            let wrong = try await client.call(
                .POST, "api/token",
                form: [
                    "grant_type": "authorization_code", "code": try await pkceCode(client, verifier: verifier),
                    "redirect_uri": "http://127.0.0.1:8080/callback", "client_id": "playkeeper-demo",
                    "code_verifier": String(repeating: "w", count: 50),
                ])
            #expect(wrong.status == 400)
            #expect(wrong.json["error"]?.stringValue == "invalid_grant")

            let good = try await client.call(
                .POST, "api/token",
                form: [
                    "grant_type": "authorization_code", "code": try await pkceCode(client, verifier: verifier),
                    "redirect_uri": "http://127.0.0.1:8080/callback", "client_id": "playkeeper-demo", "code_verifier": verifier,
                ])
            let refresh = try #require(good.json["refresh_token"]?.stringValue)
            let rotated = try await client.call(
                .POST, "api/token",
                form: ["grant_type": "refresh_token", "refresh_token": refresh, "client_id": "playkeeper-demo"])
            let next = try #require(rotated.json["refresh_token"]?.stringValue, "a PKCE refresh rotates")
            #expect(next != refresh)
            let reused = try await client.call(
                .POST, "api/token",
                form: ["grant_type": "refresh_token", "refresh_token": refresh, "client_id": "playkeeper-demo"])
            #expect(reused.json["error"]?.stringValue == "invalid_grant", "the old refresh token stopped working")
        }
    }

    @Test func aPublicClientWithoutPKCEIsRefused() async throws {
        try await EmulatorClient.with { client in
            let location = try await client.authorize()
            let code = URLComponents(string: location)!.queryItems!.first { $0.name == "code" }!.value!
            let reply = try await client.call(
                .POST, "api/token",
                form: [
                    "grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1:8080/callback",
                    "client_id": "playkeeper-demo",
                ])
            #expect(reply.json["error"]?.stringValue == "invalid_client")
        }
    }

    @Test func confidentialRefreshKeepsTheRefreshTokenUntilItExpires() async throws {
        try await EmulatorClient.with { client in
            let location = try await client.authorize()
            let code = URLComponents(string: location)!.queryItems!.first { $0.name == "code" }!.value!
            let first = try await client.call(
                .POST, "api/token",
                form: ["grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1:8080/callback"],
                headers: EmulatorClient.basic)
            let refresh = try #require(first.json["refresh_token"]?.stringValue)
            for _ in 0..<2 {
                let again = try await client.call(
                    .POST, "api/token", form: ["grant_type": "refresh_token", "refresh_token": refresh],
                    headers: EmulatorClient.basic)
                #expect(again.status == 200)
                #expect(again.json["refresh_token"] == nil, "no new refresh token: keep the old one")
            }
            _ = try await client.state.updateKnobs(["refresh_token_lifetime": 100])
            await client.state.advanceClock(seconds: 101)
            let expired = try await client.call(
                .POST, "api/token", form: ["grant_type": "refresh_token", "refresh_token": refresh], headers: EmulatorClient.basic
            )
            #expect(expired.status == 400)
            #expect(expired.json["error"]?.stringValue == "invalid_grant")
        }
    }

    @Test func wrongSecretsAndGrantTypes() async throws {
        try await EmulatorClient.with { client in
            let badSecret: HTTPHeaders = ["Authorization": "Basic " + Data("playkeeper-demo:nope".utf8).base64EncodedString()]
            let reply = try await client.call(.POST, "api/token", form: ["grant_type": "client_credentials"], headers: badSecret)
            #expect(reply.json["error"]?.stringValue == "invalid_client")
            let unsupported = try await client.call(
                .POST, "api/token", form: ["grant_type": "password"], headers: EmulatorClient.basic)
            #expect(unsupported.json["error"]?.stringValue == "unsupported_grant_type")
            let credentials = try await client.call(
                .POST, "api/token", form: ["grant_type": "client_credentials"], headers: EmulatorClient.basic)
            #expect(credentials.status == 200)
            #expect(credentials.json["refresh_token"] == nil)
        }
    }
}
