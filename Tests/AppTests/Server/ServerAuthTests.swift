import App
import EmulatorTestSupport
import FluentKit
import Foundation
import PlaykeeperJSON
import SpotifyEmulator
import Store
import SpotifyWebAPI
import Testing
import Vapor

/// Login, sessions, API tokens, CSRF, and that every route keeps to the caller's own data.
@Suite(.serialized)
struct ServerAuthTests {
    @Test func theLoginFlowChecksTheStateAndStartsASession() async throws {
        try await TestServer.with { server in
            // The state is checked: a made-up one is refused with a friendly, escaped page.
            let forged = try await server.send(
                .GET, "/callback?code=x&state=%3Cscript%3Ealert(1)%3C/script%3E", accept: "text/html")
            #expect(forged.status == .badRequest)
            #expect(forged.body.contains("Start again"))
            #expect(!forged.body.contains("<script>alert"))

            let (cookie, csrf) = try await server.login()
            let me = try await server.send(.GET, "/api/v1/me", cookie: cookie)
            #expect(me.status == .ok)
            #expect(me.json["id"]?.stringValue == "demo")
            #expect(me.json["needs_login"]?.boolValue == false)
            #expect(me.json["login_expires_at"]?.stringValue != nil)
            #expect(!csrf.isEmpty)

            // The cookie's flags.
            let (redirect, loginCookie) = try await server.startLogin()
            let callback = try await server.send(.GET, "/callback?" + redirect.query!, cookies: loginCookie)
            let setCookie = try #require(callback.headers[.setCookie].first { $0.hasPrefix("playkeeper_session=") })
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax"))
            #expect(!setCookie.contains("Secure"), "served over plain http")
            // The state is single-use, even with the browser's cookie sent again.
            let replay = try await server.send(.GET, "/callback?" + redirect.query!, accept: "text/html", cookies: loginCookie)
            #expect(replay.status == .badRequest)
            #expect(replay.body.contains("already used"))

            // Logging out ends the session.
            let out = try await server.send(.POST, "/logout", cookie: cookie, csrf: csrf)
            #expect(out.status == .seeOther)
            #expect(try await server.send(.GET, "/api/v1/me", cookie: cookie).status == .unauthorized)
        }
    }

    /// The page's *Log in* checks the authorize address first: a redirect URI Spotify would refuse is said on our
    /// page, naming the URI to register, instead of Spotify's bare error page.
    @Test func logInNamesTheRedirectURIToRegisterWhenSpotifyRefusesIt() async throws {
        try await TestServer.with { server in
            try await server.mirror.state.setRedirectURIs(clientID: "playkeeper-demo", ["https://music.example.org/callback"])
            let refused = try await server.send(.GET, "/login", accept: "text/html")
            #expect(refused.status == .serviceUnavailable)
            let uri = server.context.api.configuration.redirectURI.absoluteString
            #expect(refused.body.contains(uri) && refused.body.contains("not registered"), "\(refused.body)")
            #expect(refused.headers[.location].isEmpty, "not sent on to Spotify")

            try await server.mirror.state.setRedirectURIs(clientID: "playkeeper-demo", [uri])
            let accepted = try await server.send(.GET, "/login")
            #expect(accepted.headers.first(name: .location)?.contains("/authorize?") == true)
        }
    }

    /// A login belongs to the browser that started it: its `state` (and PKCE verifier) travel in a sealed,
    /// HttpOnly, SameSite=Lax cookie bound to `/callback`, and nothing is stored until the answer comes back.
    @Test(arguments: [false, true])
    func aLoginIsBoundToTheBrowserThatStartedIt(secret: Bool) async throws {
        try await TestServer.with(clientSecret: secret ? "playkeeper-demo-secret" : nil) { server in
            let (redirect, cookies) = try await server.startLogin()
            let start = try await server.send(.GET, "/login")
            let setCookie = try #require(start.headers[.setCookie].first { $0.hasPrefix("playkeeper_login=") })
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax"))
            #expect(setCookie.contains("Path=/callback") && setCookie.contains("Max-Age=600"))

            // Another browser (no cookie) holding a fresh code and state gets no session.
            let elsewhere = try await server.send(.GET, "/callback?" + redirect.query!, accept: "text/html")
            #expect(elsewhere.status == .badRequest)
            #expect(elsewhere.body.contains("started in this browser"))
            #expect(TestServer.cookies(elsewhere)["playkeeper_session"] == nil)

            // A browser that started another login cannot be handed this answer (the attacker's code, the victim's
            // browser), with a secret or with PKCE.
            let (_, otherCookies) = try await server.startLogin()
            let swapped = try await server.send(.GET, "/callback?" + redirect.query!, accept: "text/html", cookies: otherCookies)
            #expect(swapped.status == .badRequest)
            #expect(TestServer.cookies(swapped)["playkeeper_session"] == nil)
            // A forged cookie is no cookie.
            var forged = cookies
            forged["playkeeper_login"] = String(cookies["playkeeper_login"]!.reversed())
            #expect(try await server.send(.GET, "/callback?" + redirect.query!, cookies: forged).status == .badRequest)

            // The browser that started it logs in, and its login cookie is cleared.
            let callback = try await server.send(.GET, "/callback?" + redirect.query!, cookies: cookies)
            #expect(callback.status == .seeOther, "\(callback.body)")
            #expect(TestServer.cookies(callback)["playkeeper_session"] != nil)
            #expect(TestServer.cookies(callback)["playkeeper_login"] == "")

            // With PKCE the code is bound to the browser's verifier too: another login's code does not complete
            // this browser's login even beside this browser's own state. (With a secret nothing binds a code to a
            // state; an attacker cannot learn this browser's state, which only its sealed cookie and Spotify hold.)
            if !secret {
                let (stranger, _) = try await server.startLogin()
                let (mine, myCookies) = try await server.startLogin()
                func item(_ url: URL, _ name: String) -> String? {
                    URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems?.first { $0.name == name }?.value
                }
                let mixed = try await server.send(
                    .GET, "/callback?code=\(item(stranger, "code")!)&state=\(item(mine, "state")!)", accept: "text/html",
                    cookies: myCookies)
                #expect(mixed.status == .badRequest)
                #expect(TestServer.cookies(mixed)["playkeeper_session"] == nil)
            }
        }
    }

    @Test func startingLoginsStoresNothingAndAnswersExpireAfterTenMinutes() async throws {
        try await TestServer.with { server in
            for _ in 0..<300 { _ = try await server.send(.GET, "/login") }
            #expect(try await LoginStateRecord.query(on: server.database).count() == 0, "a /login writes no row")

            let (redirect, cookies) = try await server.startLogin()
            server.clock.advance(601)
            let late = try await server.send(.GET, "/callback?" + redirect.query!, accept: "text/html", cookies: cookies)
            #expect(late.status == .badRequest)
            #expect(late.body.contains("10 minutes"))
        }
    }

    @Test func aCodeSpotifyRefusesIsTheAnswersFaultNotSpotifys() async throws {
        try await TestServer.with { server in
            let (redirect, cookies) = try await server.startLogin()
            var components = try #require(URLComponents(url: redirect, resolvingAgainstBaseURL: false))
            components.queryItems = components.queryItems?.map {
                $0.name == "code" ? URLQueryItem(name: "code", value: "made-up") : $0
            }
            let refused = try await server.send(
                .GET, "/callback?" + components.percentEncodedQuery!, accept: "text/html", cookies: cookies)
            #expect(refused.status == .badRequest, "invalid_grant is a 400 page, not a 503")
            #expect(refused.body.contains("Spotify did not accept this login answer"))
            #expect(refused.body.contains("Start again"))
        }
    }

    @Test func aDeniedConsentAndAStrangerGetClearAnswers() async throws {
        try await TestServer.with { server in
            try await server.mirror.state.setApprover(user: "demo", deny: true)
            var (redirect, cookies) = try await server.startLogin()
            let denied = try await server.send(.GET, "/callback?" + redirect.query!, accept: "text/html", cookies: cookies)
            #expect(denied.status == .badRequest)
            #expect(denied.body.contains("you declined the permissions"))

            try await server.mirror.state.setApprover(user: "stranger", deny: false)
            (redirect, cookies) = try await server.startLogin()
            let stranger = try await server.send(.GET, "/callback?" + redirect.query!, accept: "text/html", cookies: cookies)
            #expect(stranger.status == .forbidden)
            #expect(stranger.body.contains("allow-list"))
        }
    }

    @Test func aLoginEndingWithin14DaysIsWarnedOnThePageAndInTheAPI() async throws {
        try await TestServer.with { server in
            let (cookie, _) = try await server.login()
            await server.settle()
            let user = try await server.mirror.user()
            let calendar = Calendar(identifier: .gregorian)
            user.authorizedAt = calendar.date(
                byAdding: .day, value: 10, to: calendar.date(byAdding: .month, value: -6, to: server.clock.now)!)
            try await user.save(on: server.database)
            let me = try await server.send(.GET, "/api/v1/me", cookie: cookie)
            #expect(me.json["login_ending_soon"]?.boolValue == true)
            let home = try await server.send(.GET, "/", cookie: cookie, accept: "text/html")
            #expect(home.body.contains("Your Spotify login ends on"))
            user.needsLogin = true
            try await user.save(on: server.database)
            let marked = try await server.send(.GET, "/", cookie: cookie, accept: "text/html")
            #expect(marked.body.contains("Spotify no longer accepts your login"))
        }
    }

    static let protectedRoutes: [(HTTPMethod, String)] = [
        (.GET, "/api/v1/me"), (.GET, "/api/v1/playlists"), (.GET, "/api/v1/playlists/liked"),
        (.GET, "/api/v1/playlists/liked/entries"), (.GET, "/api/v1/playlists/liked/history"), (.POST, "/api/v1/syncs"),
        (.GET, "/api/v1/jobs/\(UUID())"), (.GET, "/api/v1/playlists/liked/duplicates"), (.GET, "/api/v1/duplicates"),
        (.GET, "/api/v1/duplicates/across"), (.POST, "/api/v1/plans/\(UUID())/apply"), (.GET, "/api/v1/journal"),
        (.POST, "/api/v1/journal/\(UUID())/undo"), (.GET, "/api/v1/ignores"), (.PUT, "/api/v1/ignores"),
        (.GET, "/api/v1/unified"), (.PUT, "/api/v1/unified"), (.POST, "/api/v1/unified/update"), (.GET, "/api/v1/export"),
        (.GET, "/api/v1/tokens"), (.POST, "/api/v1/tokens"), (.DELETE, "/api/v1/tokens/\(UUID())"), (.GET, "/api/v1/jobs"),
    ]

    @Test func everyAPIRouteNeedsACaller() async throws {
        try await TestServer.with { server in
            for (method, path) in Self.protectedRoutes {
                let reply = try await server.send(method, path)
                #expect(reply.status == .unauthorized, "\(method) \(path)")
                #expect(reply.json["error"]?["status"]?.intValue == 401, "\(method) \(path) answers a JSON error")
            }
            let unknown = try await server.send(.GET, "/api/v1/me", bearer: "pk_not_a_token")
            #expect(unknown.status == .unauthorized)
            #expect(unknown.errorMessage?.contains("unknown or was revoked") == true)
        }
    }

    @Test func anotherUsersDataAnswers404() async throws {
        try await TestServer.with { server in
            _ = try await server.mirror.sync()
            let demo = try await server.token(for: "demo")
            // A second person, with their own login.
            _ = try await server.login(as: "friend")
            let friend = try await server.token(for: "friend")

            let demoPlaylist = try #require(
                try await PlaylistRecord.query(on: server.database).filter(\.$ownerID == "demo").filter(\.$isLiked == false)
                    .first())
            let preview = try await server.send(.GET, "/api/v1/playlists/\(demoPlaylist.spotifyID)/duplicates", bearer: demo)
            #expect(preview.status == .ok)
            let planID = try #require(preview.json["plan_id"]?.stringValue)
            let tokens = try await server.send(.GET, "/api/v1/tokens", bearer: demo)
            let tokenID = try #require(tokens.json["items"]?[0]?["id"]?.stringValue)
            let job = try await server.send(.POST, "/api/v1/syncs", bearer: demo)
            let jobID = try #require(job.json["id"]?.stringValue)
            await server.settle()

            for (method, path) in [
                (HTTPMethod.GET, "/api/v1/playlists/\(demoPlaylist.spotifyID)"),
                (.GET, "/api/v1/playlists/\(demoPlaylist.spotifyID)/entries"),
                (.GET, "/api/v1/playlists/\(demoPlaylist.spotifyID)/history"),
                (.GET, "/api/v1/playlists/\(demoPlaylist.spotifyID)/duplicates"),
                (.POST, "/api/v1/plans/\(planID)/apply"), (.GET, "/api/v1/jobs/\(jobID)"), (.DELETE, "/api/v1/tokens/\(tokenID)"),
            ] {
                let reply = try await server.send(method, path, bearer: friend)
                #expect(reply.status == .notFound, "\(method) \(path) as another user")
                #expect(reply.json["error"]?["status"]?.intValue == 404)
            }
            // The owner still sees them.
            #expect(try await server.send(.GET, "/api/v1/jobs/\(jobID)", bearer: demo).status == .ok)
        }
    }

    @Test func badIdsAnswer404() async throws {
        try await TestServer.with { server in
            let token = try await server.token()
            for path in [
                "/api/v1/playlists/nope", "/api/v1/playlists/nope/entries", "/api/v1/playlists/nope/history",
                "/api/v1/playlists/nope/duplicates", "/api/v1/jobs/not-a-uuid", "/api/v1/jobs/\(UUID())",
            ] {
                #expect(try await server.send(.GET, path, bearer: token).status == .notFound, "\(path)")
            }
            for path in ["/api/v1/plans/not-a-uuid/apply", "/api/v1/plans/\(UUID())/apply", "/api/v1/journal/xyz/undo"] {
                #expect(try await server.send(.POST, path, bearer: token).status == .notFound, "\(path)")
            }
            #expect(try await server.send(.DELETE, "/api/v1/tokens/\(UUID())", bearer: token).status == .notFound)
        }
    }

    @Test func malformedBodiesAnswer400Or422WithAJSONError() async throws {
        try await TestServer.with { server in
            let token = try await server.token()
            let cases: [(HTTPMethod, String, String, HTTPStatus)] = [
                (.POST, "/api/v1/plans/\(UUID())/apply", "{not json", .badRequest),
                (.POST, "/api/v1/plans/\(UUID())/apply", "[1, 2]", .badRequest),
                (.POST, "/api/v1/plans/\(UUID())/apply", #"{"groups": "all"}"#, .unprocessableEntity),
                (.PUT, "/api/v1/ignores", #"{"pairs": [["spotify:track:a"]]}"#, .unprocessableEntity),
                (.PUT, "/api/v1/ignores", #"{"nothing": true}"#, .unprocessableEntity),
                (.PUT, "/api/v1/unified", #"{"colour": "blue"}"#, .unprocessableEntity),
                (.PUT, "/api/v1/unified", #"{"match": "fuzzy"}"#, .unprocessableEntity),
                (.PUT, "/api/v1/unified", #"{"include": ["not-mine"]}"#, .unprocessableEntity),
                (.PUT, "/api/v1/unified", "", .badRequest),
                (.POST, "/api/v1/tokens", #"{"name": ""}"#, .unprocessableEntity),
                (.POST, "/api/v1/tokens", #"{}"#, .unprocessableEntity),
                (.POST, "/api/v1/journal/\(UUID())/undo", #"{"force": "yes"}"#, .unprocessableEntity),
            ]
            for (method, path, body, status) in cases {
                let reply = try await server.send(method, path, bearer: token, body: body)
                #expect(reply.status == status, "\(method) \(path) \(body): \(reply.body)")
                #expect(reply.errorMessage?.isEmpty == false, "\(method) \(path) answers a JSON error")
            }
            let badQuery = try await server.send(.GET, "/api/v1/playlists?limit=lots", bearer: token)
            #expect(badQuery.status == .badRequest)
            #expect(try await server.send(.GET, "/api/v1/playlists?limit=0", bearer: token).status == .badRequest)
            #expect(try await server.send(.GET, "/api/v1/duplicates?match=fuzzy", bearer: token).status == .badRequest)
            #expect(try await server.send(.GET, "/api/v1/export?format=xml", bearer: token).status == .badRequest)
        }
    }

    @Test func cookieRequestsThatChangeStateNeedTheCSRFToken() async throws {
        try await TestServer.with { server in
            let (cookie, csrf) = try await server.login()
            await server.settle()
            let forged = try await server.send(.POST, "/api/v1/tokens", cookie: cookie, json: ["name": "x"])
            #expect(forged.status == .forbidden)
            #expect(forged.errorMessage?.contains("CSRF") == true)
            let wrong = try await server.send(.POST, "/api/v1/tokens", cookie: cookie, csrf: "guess", json: ["name": "x"])
            #expect(wrong.status == .forbidden)
            let page = try await server.send(.POST, "/account/tokens", cookie: cookie, form: ["name": "x"])
            #expect(page.status == .forbidden, "forms need the csrf field")
            #expect(try await server.send(.POST, "/logout", cookie: cookie).status == .forbidden)

            let made = try await server.send(.POST, "/api/v1/tokens", cookie: cookie, csrf: csrf, json: ["name": "script"])
            #expect(made.status == .created)
            let secret = try #require(made.json["token"]?.stringValue)
            #expect(secret.hasPrefix("pk_"))
            // Bearer requests need no CSRF token; the token is stored hashed.
            #expect(try await server.send(.POST, "/api/v1/tokens", bearer: secret, json: ["name": "other"]).status == .created)
            let stored = try await APITokenRecord.query(on: server.database).all()
            #expect(!stored.contains { $0.tokenHash == secret || $0.tokenHash.contains(secret) })
            // Revoked tokens stop working.
            let id = try #require(made.json["id"]?.stringValue)
            #expect(try await server.send(.DELETE, "/api/v1/tokens/\(id)", bearer: secret).status == .noContent)
            #expect(try await server.send(.GET, "/api/v1/me", bearer: secret).status == .unauthorized)
            // A form with the field passes.
            let form = try await server.send(.POST, "/account/tokens", cookie: cookie, form: ["name": "y", "csrf": csrf])
            #expect(form.status == .ok)
            #expect(form.body.contains("shown only now"))
        }
    }
}
