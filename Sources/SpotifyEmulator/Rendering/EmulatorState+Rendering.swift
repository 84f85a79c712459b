import Foundation
import PlaykeeperJSON

/// Shapes library objects as Spotify's Web API does, including its Development Mode quirks.
extension EmulatorState {
    func apiURL(_ path: String) -> String { "\(baseURL)/v1\(path)" }

    func externalURLs(_ kind: String, _ id: String) -> JSONValue {
        ["spotify": .string("https://open.spotify.com/\(kind)/\(id)")]
    }

    func userObject(_ id: String) -> JSONValue {
        [
            "display_name": JSONValue(users[id]?.displayName), "external_urls": externalURLs("user", id),
            "href": .string(apiURL("/users/\(id)")), "id": .string(id), "type": "user",
            "uri": .string("spotify:user:\(id)"),
        ]
    }

    func artistObject(_ artist: EmulatorLibrary.Artist) -> JSONValue {
        [
            "external_urls": externalURLs("artist", artist.id), "href": .string(apiURL("/artists/\(artist.id)")),
            "id": .string(artist.id), "name": .string(artist.name), "type": "artist",
            "uri": .string("spotify:artist:\(artist.id)"),
        ]
    }

    func trackObject(_ track: EmulatorLibrary.Track, options: RenderOptions) -> JSONValue {
        // With a market, a relinked track is shown as its substitute, naming the original in `linked_from`.
        if options.market, let substituteID = track.relinkedTo, let substitute = tracks[substituteID] {
            var shown = plainTrackObject(substitute, options: options)
            shown = shown.setting(
                "linked_from",
                [
                    "external_urls": externalURLs("track", track.id), "href": .string(apiURL("/tracks/\(track.id)")),
                    "id": .string(track.id), "type": "track", "uri": .string(track.uri),
                ])
            return shown
        }
        return plainTrackObject(track, options: options)
    }

    private func plainTrackObject(_ track: EmulatorLibrary.Track, options: RenderOptions) -> JSONValue {
        var object: JSONObject = [
            "album": [
                "album_type": .string(track.album.type), "artists": .array(track.artists.map(artistObject)),
                "external_urls": externalURLs("album", track.album.id), "href": .string(apiURL("/albums/\(track.album.id)")),
                "id": .string(track.album.id), "images": [], "name": .string(track.album.name),
                "release_date": .string(track.album.releaseDate), "release_date_precision": "day",
                "total_tracks": 12, "type": "album", "uri": .string("spotify:album:\(track.album.id)"),
            ],
            "artists": .array(track.artists.map(artistObject)),
            "disc_number": 1, "duration_ms": JSONValue(track.durationMS), "explicit": .bool(track.explicit),
            "external_ids": track.isrc.map { ["isrc": .string($0)] } ?? [:],
            "external_urls": externalURLs("track", track.id), "href": .string(apiURL("/tracks/\(track.id)")),
            "id": .string(track.id), "is_local": false, "name": .string(track.name),
            "track_number": JSONValue(track.trackNumber), "type": "track", "uri": .string(track.uri),
            "episode": false, "track": true,
        ]
        if options.market {
            object["is_playable"] = .bool(track.playable)
            if !track.playable { object["restrictions"] = ["reason": "market"] }
        }
        if options.extended {
            // Deprecated for Development Mode apps since 2026; extended-mode responses still carry them.
            object["popularity"] = 42
            object["preview_url"] = .null
            object["available_markets"] = ["DE", "US"]
        }
        return .object(object)
    }

    /// A local file: no id, no href, a `spotify:local:artist:album:title:seconds` URI.
    func localTrackObject(_ uri: String) -> JSONValue {
        let parts = uri.split(separator: ":", omittingEmptySubsequences: false).map {
            ($0.replacingOccurrences(of: "+", with: " ")).removingPercentEncoding ?? String($0)
        }
        let artist = parts.count > 2 ? parts[2] : ""
        let album = parts.count > 3 ? parts[3] : ""
        let title = parts.count > 4 ? parts[4] : ""
        let seconds = parts.count > 5 ? Int(parts[5]) ?? 0 : 0
        return [
            "album": [
                "album_type": nil, "artists": [], "available_markets": [], "external_urls": [:], "href": nil, "id": nil,
                "images": [], "name": .string(album), "release_date": nil, "release_date_precision": nil,
                "type": "album", "uri": nil,
            ],
            "artists": [["external_urls": [:], "href": nil, "id": nil, "name": .string(artist), "type": "artist", "uri": nil]],
            "available_markets": [], "disc_number": 0, "duration_ms": JSONValue(seconds * 1000), "explicit": false,
            "external_ids": [:], "external_urls": [:], "href": nil, "id": nil, "is_local": true,
            "name": .string(title), "popularity": 0, "preview_url": nil, "track_number": 0, "type": "track",
            "uri": .string(uri), "episode": false, "track": true,
        ]
    }

    func episodeObject(_ episode: EmulatorLibrary.Episode, options: RenderOptions) -> JSONValue {
        let show: JSONValue = [
            "external_urls": externalURLs("show", episode.showID), "href": .string(apiURL("/shows/\(episode.showID)")),
            "id": .string(episode.showID), "name": .string(episode.showName), "publisher": .string(episode.publisher),
            "type": "show", "uri": .string("spotify:show:\(episode.showID)"), "images": [], "available_markets": [],
            "copyrights": [], "description": .string("Episodes of \(episode.showName)."),
            "html_description": .string("<p>Episodes of \(episode.showName).</p>"), "explicit": false,
            "is_externally_hosted": false, "languages": ["en"], "media_type": "audio",
            "total_episodes": JSONValue(episodes.values.filter { $0.showID == episode.showID }.count),
        ]
        guard options.episodes else {
            // Without additional_types=episode, Spotify sends the episode shaped like a track.
            let showAsArtist: JSONValue = [
                "external_urls": externalURLs("show", episode.showID), "href": .string(apiURL("/shows/\(episode.showID)")),
                "id": .string(episode.showID), "name": .string(episode.showName), "type": "show",
                "uri": .string("spotify:show:\(episode.showID)"),
            ]
            return [
                "album": [
                    "album_type": "show", "artists": [showAsArtist], "external_urls": externalURLs("show", episode.showID),
                    "href": .string(apiURL("/shows/\(episode.showID)")), "id": .string(episode.showID), "images": [],
                    "name": .string(episode.showName), "release_date": .string(episode.releaseDate), "type": "show",
                    "uri": .string("spotify:show:\(episode.showID)"),
                ],
                "artists": [showAsArtist], "disc_number": 0, "duration_ms": JSONValue(episode.durationMS), "explicit": false,
                "external_ids": ["spotify": .string(apiURL("/episodes/\(episode.id)"))],
                "external_urls": externalURLs("episode", episode.id), "href": .string(apiURL("/episodes/\(episode.id)")),
                "id": .string(episode.id), "is_local": false, "name": .string(episode.name), "track_number": 0,
                "type": "episode", "uri": .string(episode.uri), "episode": false, "track": true,
            ]
        }
        var object: JSONObject = [
            "audio_preview_url": nil, "description": .string(episode.description),
            "html_description": .string("<p>\(episode.description)</p>"), "duration_ms": JSONValue(episode.durationMS),
            "explicit": false, "external_urls": externalURLs("episode", episode.id),
            "href": .string(apiURL("/episodes/\(episode.id)")), "id": .string(episode.id), "images": [],
            "is_externally_hosted": false, "language": "en", "languages": ["en"], "name": .string(episode.name),
            "release_date": .string(episode.releaseDate), "release_date_precision": "day", "show": show,
            "type": "episode", "uri": .string(episode.uri), "episode": true, "track": false,
        ]
        if options.market { object["is_playable"] = true }
        return .object(object)
    }

    /// What an entry holds, or `null` when it is no longer available.
    func itemObject(uri: String, options: RenderOptions) -> JSONValue {
        if uri.hasPrefix("spotify:local:") { return localTrackObject(uri) }
        let parts = uri.split(separator: ":")
        guard parts.count == 3 else { return .null }
        switch parts[1] {
        case "track":
            guard let track = tracks[String(parts[2])], !track.unavailable else { return .null }
            return trackObject(track, options: options)
        case "episode":
            guard let episode = episodes[String(parts[2])] else { return .null }
            return episodeObject(episode, options: options)
        default:
            return .null
        }
    }

    /// An item as a placeholder whose text goes into `fragments` (see `JSONValue.serializedBytes(fragments:)`),
    /// rendered once and then kept; or, when `fragments` is `nil`, as a tree (a `fields` filter needs one).
    func item(uri: String, options: RenderOptions, fragments: inout [String: [UInt8]]?) -> JSONValue {
        guard fragments != nil else { return itemObject(uri: uri, options: options) }
        let key = RenderedItemKey(uri: uri, market: options.market, episodes: options.episodes, extended: options.extended)
        let text: [UInt8]
        if let kept = renderedItems[key] {
            text = kept
        } else {
            text = itemObject(uri: uri, options: options).serializedBytes()
            if renderedItemBytes + text.count > Self.renderedItemsLimit { forgetRenderedItems() }
            renderedItems[key] = text
            renderedItemBytes += text.count
        }
        // A string no response can hold otherwise: a name sent through the API cannot guess the prefix.
        let placeholder = Self.placeholderPrefix + uri
        fragments![placeholder] = text
        return .string(placeholder)
    }

    func entryObjects(
        _ entries: some Sequence<EmulatorLibrary.Entry>, options: RenderOptions, fragments: inout [String: [UInt8]]?
    ) -> [JSONValue] {
        var objects: [JSONValue] = []
        for entry in entries { objects.append(entryObject(entry, options: options, fragments: &fragments)) }
        return objects
    }

    func entryObject(_ entry: EmulatorLibrary.Entry, options: RenderOptions, fragments: inout [String: [UInt8]]?)
        -> JSONValue
    {
        let item = item(uri: entry.uri, options: options, fragments: &fragments)
        var object: JSONObject = [
            "added_at": entry.addedAt.map { .string(SpotifyTime.string($0)) } ?? .null,
            "added_by": entry.addedBy.map(userObject) ?? .null,
            "is_local": .bool(entry.uri.hasPrefix("spotify:local:")),
            "primary_color": nil, "video_thumbnail": ["url": nil],
        ]
        if options.legacyTracksPath {
            object["track"] = item
        } else {
            object["item"] = item
            // Development Mode: the deprecated `track` field comes back null.
            object["track"] = options.extended ? item : .null
        }
        return .object(object)
    }

    /// A paging object with absolute `next`/`previous` links.
    func pageObject(
        items: [JSONValue], total: Int, limit: Int, offset: Int, path: String, extraQuery: [(String, String)]
    ) -> JSONValue {
        func link(_ offset: Int) -> JSONValue {
            var components = URLComponents(string: apiURL(path))!
            components.queryItems =
                [URLQueryItem(name: "offset", value: String(offset)), URLQueryItem(name: "limit", value: String(limit))]
                + extraQuery.map { URLQueryItem(name: $0.0, value: $0.1) }
            return .string(components.url!.absoluteString)
        }
        return [
            "href": link(offset), "items": .array(items), "limit": JSONValue(limit),
            "next": offset + limit < total ? link(offset + limit) : .null, "offset": JSONValue(offset),
            "previous": offset > 0 ? link(max(0, offset - limit)) : .null, "total": JSONValue(total),
        ]
    }

    func playlistObject(_ stored: StoredPlaylist, for user: String?, full: Bool, options: RenderOptions) -> JSONValue {
        var trees: [String: [UInt8]]? = nil
        return playlistObject(stored, for: user, full: full, options: options, fragments: &trees)
    }

    func playlistObject(
        _ stored: StoredPlaylist, for user: String?, full: Bool, options: RenderOptions, fragments: inout [String: [UInt8]]?
    ) -> JSONValue {
        let playlist = stored.playlist
        let id = playlist.id
        let reference: JSONValue = [
            "href": .string(apiURL("/playlists/\(id)/items")), "total": JSONValue(playlist.entries.count),
        ]
        var items = reference
        if full, let user, canRead(stored, user: user) {
            let first = entryObjects(playlist.entries.prefix(100), options: options, fragments: &fragments)
            items = pageObject(
                items: first, total: playlist.entries.count, limit: 100, offset: 0,
                path: "/playlists/\(id)/items", extraQuery: [])
        }
        var object: JSONObject = [
            "collaborative": .bool(playlist.collaborative), "description": .string(playlist.description),
            "external_urls": externalURLs("playlist", id),
            "href": .string(apiURL("/playlists/\(id)")), "id": .string(id), "images": [], "name": .string(playlist.name),
            "owner": userObject(playlist.owner), "primary_color": nil, "public": .bool(playlist.isPublic),
            "snapshot_id": .string(stored.snapshotID), "items": items,
            // Development Mode: the deprecated `tracks` field comes back null.
            "tracks": options.extended ? items : .null,
            "type": "playlist", "uri": .string("spotify:playlist:\(id)"),
        ]
        // Only the full object carries followers.
        if full { object["followers"] = ["href": nil, "total": JSONValue(stored.followers)] }
        return .object(object)
    }

    /// Items are readable only by the owner or a collaborator.
    func canRead(_ stored: StoredPlaylist, user: String) -> Bool {
        stored.playlist.owner == user || (stored.playlist.collaborative && stored.playlist.collaborators.contains(user))
    }
}

/// A response body: a tree, and the text of the parts it holds as placeholders.
struct JSONBody: Sendable {
    var value: JSONValue
    var fragments: [String: [UInt8]] = [:]

    func serializedBytes() -> [UInt8] { value.serializedBytes(fragments: fragments) }
}

extension JSONValue {
    func setting(_ key: String, _ value: JSONValue) -> JSONValue {
        guard case .object(var members) = self else { return self }
        members[key] = value
        return .object(members)
    }
}
