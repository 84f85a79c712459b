import Foundation
import NIOCore
import NIOHTTP1
import PlaykeeperJSON
import SpotifyEmulator
import Testing
import Vapor
import VaporTesting

/// Talks to an in-process emulator app through VaporTesting.
struct EmulatorClient {
    let app: Application
    let state: EmulatorState

    struct Reply {
        let status: Int
        let headers: HTTPHeaders
        let text: String
        var json: JSONValue { (try? JSONValue(parsing: text)) ?? .null }
    }

    /// A small fixed library: `demo` owns "mine", "friend" owns "theirs" and the collaborative "shared".
    static let library: EmulatorLibrary = {
        let artist = EmulatorLibrary.Artist(id: "artist0000000000000001", name: "The Band")
        let album = EmulatorLibrary.Album(id: "album00000000000000001", name: "Record", type: "album", releaseDate: "2020-01-01")
        var tracks = (0..<10).map { index in
            EmulatorLibrary.Track(
                id: "t\(index)", name: "Song \(index)", artists: [artist], album: album, durationMS: 200_000,
                isrc: "QZ00000000\(index)")
        }
        tracks[7].playable = false
        tracks[8].relinkedTo = "t9"
        tracks[6].unavailable = true
        let episode = EmulatorLibrary.Episode(
            id: "e1", name: "Pilot", showID: "s1", showName: "The Show", publisher: "House", durationMS: 1_800_000,
            releaseDate: "2025-01-01")
        let date = Date(timeIntervalSince1970: 1_750_000_000)
        func entry(_ uri: String) -> EmulatorLibrary.Entry { .init(uri: uri, addedAt: date, addedBy: "demo") }
        return EmulatorLibrary(
            users: [
                .init(id: "demo", displayName: "Demo"), .init(id: "friend", displayName: "Friend"),
                .init(id: "stranger", displayName: "Stranger", allowListed: false),
            ],
            tracks: tracks, episodes: [episode],
            playlists: [
                .init(
                    id: "mine", owner: "demo", name: "Mine",
                    entries: ["t1", "t2", "t1", "t3", "t1"].map { entry("spotify:track:\($0)") }),
                .init(
                    id: "kinds", owner: "demo", name: "Kinds",
                    entries: [
                        entry("spotify:track:t1"), entry("spotify:episode:e1"), entry("spotify:local:Artist:Album:Title:200"),
                        entry("spotify:track:t6"), entry("spotify:track:t7"), entry("spotify:track:t8"),
                    ]),
                .init(id: "theirs", owner: "friend", name: "Theirs", isPublic: true, entries: [entry("spotify:track:t4")]),
                .init(
                    id: "shared", owner: "friend", name: "Shared", collaborative: true, collaborators: ["demo"],
                    entries: [entry("spotify:track:t5")]),
                .init(
                    id: "fake-collab", owner: "friend", name: "Not mine", collaborative: true,
                    entries: [entry("spotify:track:t5")]),
                .init(id: "editorial", owner: "spotify", name: "Top", isPublic: true, editorial: true),
            ],
            follows: [
                "demo": ["mine", "kinds", "theirs", "shared", "fake-collab", "editorial"], "friend": ["theirs", "shared"],
            ],
            liked: ["demo": [.init(uri: "spotify:track:t1", addedAt: date)]]
        )
    }()

    static func with<T>(
        library: EmulatorLibrary = EmulatorClient.library, _ body: (EmulatorClient) async throws -> T
    ) async throws -> T {
        let state = EmulatorState(library: library)
        return try await withApp(
            configure: { app in SpotifyEmulator.configure(app, state: state) },
            { app in try await body(EmulatorClient(app: app, state: state)) }
        )
    }

    @discardableResult
    func call(
        _ method: HTTPMethod, _ path: String, token: String? = nil, json: JSONValue? = nil, form: [String: String]? = nil,
        headers extra: HTTPHeaders = [:]
    ) async throws -> Reply {
        var headers = extra
        if let token { headers.replaceOrAdd(name: .authorization, value: "Bearer \(token)") }
        var body: ByteBuffer?
        if let json {
            headers.contentType = .json
            body = ByteBuffer(string: json.serialized())
        }
        if let form {
            headers.contentType = .urlEncodedForm
            body = ByteBuffer(
                string: form.map {
                    "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.value)"
                }.joined(separator: "&"))
        }
        var reply: Reply?
        try await app.testing().test(method, path, headers: headers, body: body) { response in
            reply = Reply(status: Int(response.status.code), headers: response.headers, text: response.body.string)
        }
        return reply!
    }

    /// Logs `user` in through `/authorize` and `/api/token` (confidential flow) and returns the access token.
    func token(for user: String = "demo", scope: String = Self.allScopes) async throws -> String {
        try await state.setApprover(user: user, deny: false)
        let redirect = try await authorize(scope: scope)
        let code = try #require(URLComponents(string: redirect)?.queryItems?.first { $0.name == "code" }?.value)
        let reply = try await call(
            .POST, "api/token",
            form: ["grant_type": "authorization_code", "code": code, "redirect_uri": "http://127.0.0.1:8080/callback"],
            headers: Self.basic)
        return try #require(reply.json["access_token"]?.stringValue, "\(reply.text)")
    }

    func authorize(scope: String = Self.allScopes, extra: String = "") async throws -> String {
        let reply = try await call(
            .GET,
            "authorize?client_id=playkeeper-demo&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcallback&state=s1&scope=\(scope.replacingOccurrences(of: " ", with: "%20"))\(extra)"
        )
        return try #require(reply.headers.first(name: .location), "no redirect: \(reply.status) \(reply.text)")
    }

    static let basic: HTTPHeaders = [
        "Authorization": "Basic " + Data("playkeeper-demo:playkeeper-demo-secret".utf8).base64EncodedString()
    ]
    static let allScopes =
        "playlist-read-private playlist-read-collaborative playlist-modify-public playlist-modify-private user-library-read user-library-modify user-read-private user-read-recently-played"
}
