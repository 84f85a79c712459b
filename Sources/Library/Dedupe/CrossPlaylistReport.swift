import FluentKit
import Foundation
import PlaykeeperJSON
import Store

/// For each song that stands in several playlists, every playlist that holds it.
public struct CrossPlaylistReport: Sendable {
    public struct Song: Sendable {
        public var uri: String
        public var name: String?
        public var artists: String?
        /// Playlist ids and names, with how many copies each holds.
        public var playlists: [(id: String, name: String, copies: Int)]
    }

    public var songs: [Song]

    public static func make(playlists: [PlaylistRecord], on database: any Database) async throws -> CrossPlaylistReport {
        var holders: [String: [(id: String, name: String, copies: Int)]] = [:]
        for playlist in playlists {
            let entries = try await EntryRecord.query(on: database).filter(\.$playlist.$id == playlist.requireID()).all()
            var copies: [String: Int] = [:]
            for entry in entries { if let uri = entry.uri { copies[uri, default: 0] += 1 } }
            for (uri, count) in copies { holders[uri, default: []].append((playlist.spotifyID, playlist.name, count)) }
        }
        let shared = holders.filter { $0.value.count > 1 }
        let names = try await CatalogItemRecord.lookup(Array(shared.keys), on: database)
        let songs = shared.map {
            Song(uri: $0.key, name: names[$0.key]?.name, artists: names[$0.key]?.artists, playlists: $0.value)
        }
        .sorted { ($0.playlists.count, $1.name ?? "") > ($1.playlists.count, $0.name ?? "") }
        return CrossPlaylistReport(songs: songs)
    }

    public var json: JSONValue {
        [
            "songs": .array(
                songs.map { song in
                    [
                        "uri": .string(song.uri), "name": JSONValue(song.name), "artists": JSONValue(song.artists),
                        "playlists": .array(
                            song.playlists.map {
                                ["id": .string($0.id), "name": .string($0.name), "copies": JSONValue($0.copies)]
                            }),
                    ]
                })
        ]
    }

    public var lines: [String] {
        guard !songs.isEmpty else { return ["No song stands in more than one playlist."] }
        return songs.map { song in
            "\(song.name ?? song.uri)\(song.artists.map { " — \($0)" } ?? ""): "
                + song.playlists.map { "\($0.name)\($0.copies > 1 ? " (×\($0.copies))" : "")" }.joined(separator: ", ")
        }
    }
}
