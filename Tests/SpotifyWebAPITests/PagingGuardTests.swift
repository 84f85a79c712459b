import EmulatorTestSupport
import Foundation
import PlaykeeperJSON
import SpotifyWebAPI
import Testing

/// The paging guards, against a scripted transport that answers exactly what each case needs.
struct PagingGuardTests {
    /// Answers requests from a script keyed by path + query; anything else fails loudly.
    final class ScriptedTransport: SpotifyTransport, @unchecked Sendable {
        let pages: [String: JSONValue]
        private let lock = NSLock()
        private(set) var requested: [String] = []

        init(_ pages: [String: JSONValue]) { self.pages = pages }

        func send(_ request: SpotifyHTTPRequest) async throws -> SpotifyHTTPResponse {
            let key = request.url.path + (request.url.query.map { "?\($0)" } ?? "")
            lock.withLock { requested.append(key) }
            guard let page = pages.first(where: { key.hasPrefix($0.key) })?.value else {
                Issue.record("unscripted request \(key)")
                return SpotifyHTTPResponse(status: 404, body: Data(#"{"error":{"status":404,"message":"unscripted"}}"#.utf8))
            }
            return SpotifyHTTPResponse(status: 200, body: page.serializedData())
        }
    }

    func entry(_ id: String) -> JSONValue {
        [
            "added_at": "2026-01-01T00:00:00Z", "is_local": false,
            "item": ["type": "track", "id": .string(id), "uri": .string("spotify:track:\(id)")],
        ]
    }

    @Test func aRepeatedNextEndsWithAnError() async throws {
        let transport = ScriptedTransport([
            "/v1/playlists/p/items": [
                "items": [entry("a")], "limit": 1, "offset": 0, "total": 5,
                "next": "http://api.test/v1/playlists/p/items?offset=1&limit=1",
            ]
        ])
        let client = try offlineClient(transport)
        await #expect(throws: SpotifyError.self) { _ = try await client.playlistItems("p", limit: 1).allItems() }
        #expect(transport.requested.count == 2, "stopped at the first repeat")
    }

    @Test func aZeroLimitEndsWithAnError() async throws {
        let transport = ScriptedTransport([
            "/v1/playlists/p/items": ["items": [], "limit": 0, "offset": 0, "total": 5, "next": "http://api.test/v1/x"]
        ])
        let client = try offlineClient(transport)
        do {
            _ = try await client.playlistItems("p").allItems()
            Issue.record("no error")
        } catch SpotifyError.paging(_, let detail) {
            #expect(detail.contains("limit 0"))
        }
    }

    @Test func morePagesThanTotalImpliesEndsWithAnError() async throws {
        var pages: [String: JSONValue] = [:]
        // total 2 at limit 1 implies two pages; the third next must not be followed.
        for offset in 0..<5 {
            let key = offset == 0 ? "/v1/playlists/p/items?limit=1&offset=0&" : "/v1/playlists/p/items?offset=\(offset)&limit=1"
            pages[key] = [
                "items": [entry("t\(offset)")], "limit": 1, "offset": JSONValue(offset), "total": 2,
                "next": .string("http://api.test/v1/playlists/p/items?offset=\(offset + 1)&limit=1"),
            ]
        }
        let transport = ScriptedTransport(pages)
        let client = try offlineClient(transport)
        do {
            _ = try await client.playlistItems("p", limit: 1).allItems()
            Issue.record("no error")
        } catch SpotifyError.paging(_, let detail) {
            #expect(detail.contains("more pages than total"))
        }
        #expect(transport.requested.count == 2)
    }

    @Test func aNextLinkToAnotherHostIsNotFollowed() async throws {
        let transport = ScriptedTransport([
            "/v1/me/tracks": [
                "items": [], "limit": 50, "offset": 0, "total": 100, "next": "http://evil.test/v1/me/tracks?offset=50",
            ]
        ])
        let client = try offlineClient(transport)
        await #expect(throws: SpotifyError.self) { _ = try await client.savedTracks().allItems() }
        #expect(transport.requested.count == 1)
    }

    @Test func myPlaylistsStepsTheOffsetAndIgnoresNext() async throws {
        func playlists(_ offset: Int, _ count: Int) -> JSONValue {
            [
                "items": .array((0..<count).map { ["id": .string("p\(offset + $0)"), "name": "x"] }), "limit": 50,
                "offset": JSONValue(offset), "total": 60,
                "next": "http://api.test/v1/users/someone/playlists?offset=50&limit=50",
            ]
        }
        let transport = ScriptedTransport([
            "/v1/me/playlists?limit=50&offset=0": playlists(0, 50), "/v1/me/playlists?limit=50&offset=50": playlists(50, 10),
        ])
        let client = try offlineClient(transport)
        let all = try await client.myPlaylists().allItems()
        #expect(all.count == 60)
        #expect(all.last??.id == "p59")
        #expect(transport.requested.allSatisfy { $0.hasPrefix("/v1/me/playlists") })
    }
}
