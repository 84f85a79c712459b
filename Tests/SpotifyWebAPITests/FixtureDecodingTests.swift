import EmulatorTestSupport
import Foundation
import PlaykeeperJSON
@testable import SpotifyWebAPI
import Testing

/// Every captured Spotify response in `../shared/fixtures/spotify` decodes, with its values checked.
@Suite(.enabled(if: Fixtures.available || Fixtures.required, "the shared fixtures folder is absent (set SPOTIFY_FIXTURES_DIR)"))
struct FixtureDecodingTests {
    static let covered: Set<String> = [
        "create-playlist-response-2025.json", "current-user-playlists-page-2022.json",
        "current-user-playlists-page-2026.json", "current-user-profile.json", "error-404-resource-not-found.json",
        "error-429-rate-limit.json", "playlist-full-2026-tracks-and-items.json", "playlist-full-with-episode-2024.json",
        "playlist-items-episode-with-additional-types-2021.json",
        "playlist-items-episode-without-additional-types-2021.json", "playlist-items-page-2022.json",
        "playlist-items-page-2026-item-and-track.json", "playlist-snapshot-id-response.json",
        "playlist-with-fields-filter-2022.json", "playlist-with-local-files-and-episodes-reencoded.json",
        "recently-played-2017.json", "saved-tracks-page-2015.json", "several-tracks-with-null-entry-2015.json",
        "token-error-invalid-client.json", "token-response-authorization-code.json",
        "token-response-refresh-authorization-code.json", "token-response-refresh-pkce.json",
        "top-tracks-with-linked-from-2017.json", "track-2015.json",
    ]

    @Test func theFolderIsThereAndEveryFileHasATest() throws {
        #expect(Fixtures.available, "fixtures folder missing at \(Fixtures.directory.path)")
        let names = Set(try Fixtures.names())
        #expect(names == Self.covered, "fixtures without a decoding test: \(names.subtracting(Self.covered).sorted())")
    }

    @Test func playlistItemsPage2026CarriesItemAndTrack() throws {
        let page = try Page<PlaylistEntry>(data: Fixtures.data("playlist-items-page-2026-item-and-track.json"))
        #expect(page.total == 1)
        #expect(page.next == nil)
        let entry = try #require(page.items.first ?? nil)
        #expect(entry.kind == .track)
        #expect(entry.addedBy?.id == "1112264649")
        #expect(entry.addedAt == Date(timeIntervalSince1970: 1_753_823_515))  // 2025-07-29T21:11:55Z
        guard case .track(let track) = entry.item else {
            Issue.record("not a track")
            return
        }
        #expect(track.id == "3ZL9gPzeCnKG9l5SB1SlcZ")
        #expect(track.name == "All I Need")
        #expect(track.isrc == "GBCFB2300770")
        #expect(entry.uri == "spotify:track:3ZL9gPzeCnKG9l5SB1SlcZ")
        #expect(entry.raw["primary_color"]?.isNull == true, "raw JSON keeps fields the model does not read")
    }

    @Test func fullPlaylist2026ReadsItemsBeforeTracks() throws {
        let playlist = try Playlist(data: Fixtures.data("playlist-full-2026-tracks-and-items.json"))
        #expect(playlist.id == "1Cp6VQCKf2VL4sP09jN9oX")
        #expect(playlist.name == "To find")
        #expect(playlist.snapshotID == "AAAAAqEcxS92ddZ6R83Q8TWFhYshm18s")
        #expect(playlist.owner?.id == "1112264649")
        #expect(playlist.total == 1)
        #expect(
            playlist.itemsReference?.href?.hasSuffix("/items") == true
                || playlist.itemsReference?.href?.contains("/items") == true)
        let entry = try #require(playlist.firstPage?.items.first ?? nil)
        #expect(entry.item?.name == "All I Need")
    }

    @Test func currentUserPlaylists2026() throws {
        let page = try Page<Playlist>(data: Fixtures.data("current-user-playlists-page-2026.json"))
        #expect(page.total == 94)
        #expect(page.limit == 48)
        #expect(page.items.count == 48)
        #expect(page.next?.contains("/v1/users/1112264649/playlists") == true, "the trap: next points at a refused path")
        let owned = page.items.compactMap { $0 }.filter { $0.owner?.id == "1112264649" }
        #expect(owned.count == 42)
        #expect(page.items.first??.name == "To find")
        #expect(page.items.first??.total == 1)
        #expect(page.items.first??.firstPage == nil, "a simplified playlist only references its items")
    }

    @Test func currentUserPlaylists2022UsesTracks() throws {
        let page = try Page<Playlist>(data: Fixtures.data("current-user-playlists-page-2022.json"))
        #expect(page.total == 42)
        #expect(page.offset == 20)
        #expect(page.limit == 5)
        #expect(page.previous != nil)
        #expect(page.items.count == 5)
        #expect(page.items.first??.name == "Core")
        #expect(page.items.first??.total == 3)
    }

    @Test func playlistWithEpisode2024() throws {
        let playlist = try Playlist(data: Fixtures.data("playlist-full-with-episode-2024.json"))
        #expect(playlist.id == "0pM0KTMXM7K5qr3sL2DPw1")
        let kinds = playlist.firstPage?.items.map { $0?.kind }
        #expect(kinds == [.track, .track, .episode])
        #expect(playlist.firstPage?.items[0]?.item?.name == "Nothing To Lose")
    }

    @Test(arguments: [
        "playlist-items-episode-with-additional-types-2021.json",
        "playlist-items-episode-without-additional-types-2021.json",
    ])
    func episodesAreEpisodesWithOrWithoutAdditionalTypes(_ name: String) throws {
        let page = try Page<PlaylistEntry>(data: Fixtures.data(name))
        let entries = page.items.compactMap { $0 }
        #expect(entries.map(\.kind) == [.track, .episode])
        #expect(entries[0].item?.name == "Teeth")
        #expect(entries[1].uri == "spotify:episode:4ULmed87GDr8SB9o0azims")
        guard case .episode(let episode) = entries[1].item else {
            Issue.record("not an episode")
            return
        }
        #expect(episode.name?.hasPrefix("Episode 79") == true)
        #expect(episode.showName != nil, "the show is read from `show`, or from `album` when disguised")
    }

    @Test func playlistItemsPage2022() throws {
        let page = try Page<PlaylistEntry>(data: Fixtures.data("playlist-items-page-2022.json"))
        #expect(page.total == 40)
        #expect(page.items.count == 40)
        let first = try #require(page.items.first ?? nil)
        #expect(first.item?.name == "Calm Down")
        guard case .track(let track) = first.item else {
            Issue.record("not a track")
            return
        }
        #expect(track.isrc == "NGA3B2214004")
        #expect(first.addedAt == Date(timeIntervalSince1970: 1_657_913_842))  // 2022-07-15T19:37:22Z
        #expect(page.items.allSatisfy { $0?.kind == .track })
    }

    @Test func fieldsFilteredPlaylistIsReadLeniently() throws {
        let playlist = try Playlist(data: Fixtures.data("playlist-with-fields-filter-2022.json"))
        #expect(playlist.name == "Top 40")
        #expect(playlist.id == nil, "fields left `id` out")
        #expect(playlist.snapshotID == nil)
        #expect(playlist.owner?.id == "nederlandse_top_40")
        let entries = playlist.firstPage?.items ?? []
        #expect(entries.count == 40)
        #expect(entries.first??.addedBy?.id == "nederlandse_top_40")
        #expect(entries.first??.addedAt == nil)
        #expect(entries.first??.item?.name == "Calm Down")
    }

    @Test func localFilesAndEpisodesWithAbsentFields() throws {
        let playlist = try Playlist(data: Fixtures.data("playlist-with-local-files-and-episodes-reencoded.json"))
        #expect(playlist.name == "Local Songs")
        let entries = (playlist.firstPage?.items ?? []).compactMap { $0 }
        #expect(entries.map(\.kind) == [.local, .local, .local, .episode, .episode, .episode, .episode])
        #expect(entries[0].uri == "spotify:local:Eminem::Killshot:253")
        guard case .track(let local) = entries[0].item else {
            Issue.record("not a track")
            return
        }
        #expect(local.id == nil)
        #expect(local.isLocal)
        #expect(local.name == "Killshot")
    }

    @Test func recentlyPlayedWithFractionalSeconds() throws {
        let page = try CursorPage<PlayHistoryItem>(data: Fixtures.data("recently-played-2017.json"))
        #expect(page.items.count == 20)
        #expect(page.limit == 20)
        #expect(page.after == "1495915674720")
        #expect(page.before == "1495842394544")
        let first = try #require(page.items.first ?? nil)
        #expect(first.track?.name == "The Sound Of Silence")
        let playedAt = try #require(first.playedAt)
        #expect(abs(playedAt.timeIntervalSince1970 - 1_495_915_674.721) < 0.001)
    }

    @Test func savedTracks() throws {
        let page = try Page<SavedTrack>(data: Fixtures.data("saved-tracks-page-2015.json"))
        #expect(page.total == 3)
        #expect(page.items.count == 3)
        #expect(page.items.first??.track?.name == "You & I (Nobody In The World)")
        #expect(page.items.first??.addedAt == Date(timeIntervalSince1970: 1_422_664_675))  // 2015-01-31T00:37:55Z
    }

    @Test func severalTracksKeepsTheNull() throws {
        let tracks = try SeveralTracks(data: Fixtures.data("several-tracks-with-null-entry-2015.json"))
        #expect(tracks.tracks.count == 2)
        #expect(tracks.tracks[0]?.name == "Mr. Brightside")
        #expect(tracks.tracks[1] == nil)
    }

    @Test func relinkedTracksCountByTheirLinkedFromURI() throws {
        let page = try Page<Track>(data: Fixtures.data("top-tracks-with-linked-from-2017.json"))
        let relinked = page.items.compactMap { $0 }.filter { $0.linkedFrom != nil }
        #expect(relinked.count == 5)
        #expect(relinked[0].id == "3Q3myFA7q4Op95DOpHplaY")
        #expect(relinked[0].linkedFrom?.id == "6CUBgX8bXC5YQCkdgRHqyg")
        #expect(relinked[0].isPlayable == true)
        #expect(PlaylistItem.track(relinked[0]).playlistURI == "spotify:track:6CUBgX8bXC5YQCkdgRHqyg")
    }

    @Test func singleTrack() throws {
        let track = try Track(data: Fixtures.data("track-2015.json"))
        #expect(track.id == "1zHlj4dQ8ZAtrayhuDDmkY")
        #expect(track.name == "Timber")
        #expect(track.isrc == "USRC11301695")
        #expect(track.durationMS == 204_053)
        #expect(track.artists.map(\.name) == ["Pitbull", "Ke$ha"])
        #expect(track.album?.name == "Timber")
        #expect(track.isLocal == false)
    }

    @Test func currentUserProfileWithoutAccountID() throws {
        let user = try CurrentUser(data: Fixtures.data("current-user-profile.json"))
        #expect(user.id == "1112264649")
        #expect(user.displayName == "Joost Lekkerkerker")
        #expect(user.accountID == nil)
        #expect(user.country == "NL")
        #expect(user.product == "premium")
    }

    @Test func createPlaylistResponse() throws {
        let playlist = try Playlist(data: Fixtures.data("create-playlist-response-2025.json"))
        #expect(playlist.id == "2dGgoMPWpapXYA6rX7ZbbB")
        #expect(playlist.name == "New Playlist")
        #expect(playlist.snapshotID == "AAABRUSqXDRHND7RgBQhEmksjQG8o/A+")
        #expect(playlist.isPublic == false)
        #expect(playlist.total == 0)
        #expect(playlist.owner?.displayName == nil)
    }

    @Test func snapshotResponse() throws {
        let answer = try SnapshotResponse(data: Fixtures.data("playlist-snapshot-id-response.json"))
        #expect(answer.snapshotID == "AAAACG9jmE4O/USJ4XSA7mfhfXkaxawY")
    }

    @Test(arguments: [
        ("error-404-resource-not-found.json", 404, "Resource not found"),
        ("error-429-rate-limit.json", 429, "API rate limit exceeded"),
    ])
    func webAPIErrors(_ name: String, _ status: Int, _ message: String) throws {
        let response = SpotifyHTTPResponse(status: status, body: try Fixtures.data(name))
        let error = SpotifyClient.apiError(response, endpoint: "GET /v1/playlists/{id}")
        guard case .api(let decodedStatus, let decodedMessage, let reason, let endpoint) = error else {
            Issue.record("not an API error: \(error)")
            return
        }
        #expect(decodedStatus == status)
        #expect(decodedMessage == message)
        #expect(reason == nil)
        #expect(endpoint == "GET /v1/playlists/{id}")
    }

    @Test func accountsError() throws {
        let json = try Fixtures.json("token-error-invalid-client.json")
        #expect(json["error"]?.stringValue == "invalid_client")
        #expect(json["error_description"]?.stringValue == "Invalid client")
        #expect(throws: SpotifyError.self) { try TokenResponse(json: json) }
    }

    @Test func tokenResponses() throws {
        let code = try TokenResponse(json: Fixtures.json("token-response-authorization-code.json"))
        #expect(code.expiresIn == 3600)
        #expect(code.tokenType == "Bearer")
        #expect(code.scope == "user-read-birthdate user-read-email")
        #expect(code.refreshToken != nil)
        let confidentialRefresh = try TokenResponse(json: Fixtures.json("token-response-refresh-authorization-code.json"))
        #expect(confidentialRefresh.refreshToken == nil, "a confidential refresh returns no refresh token")
        let pkceRefresh = try TokenResponse(json: Fixtures.json("token-response-refresh-pkce.json"))
        #expect(pkceRefresh.refreshToken?.hasPrefix("PoO04alC") == true, "a PKCE refresh rotates the refresh token")
        #expect(!"\(pkceRefresh)".contains("PoO04alC"), "descriptions never show tokens")
        #expect(!"\(code)".contains(code.accessToken))
    }
}
