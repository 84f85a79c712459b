import Foundation
import PlaykeeperJSON

/// The files of Spotify's privacy exports that hold listening history, and their records. Pure: no database,
/// no network; every error names the file and the record.
public enum StreamingHistoryFile {
    public enum Format: String, Sendable, Encodable {
        /// Extended streaming history: `Streaming_History_Audio_*.json`, older `endsong_*.json`.
        case extended
        /// Account data: `StreamingHistory_music_*.json`, older `StreamingHistory*.json`. No URIs.
        case account
        /// `Streaming_History_Video_*.json`: skipped, and the skip is reported.
        case video
    }

    /// What a file's name says it holds; nil for a file that is not listening history.
    public static func format(ofName path: String) -> Format? {
        let name = (path as NSString).lastPathComponent
        guard name.lowercased().hasSuffix(".json"), !name.hasPrefix("._") else { return nil }
        if name.hasPrefix("Streaming_History_Video") { return .video }
        if name.hasPrefix("Streaming_History_Audio") || name.hasPrefix("endsong") { return .extended }
        if name.hasPrefix("StreamingHistory_podcast") { return nil }
        if name.hasPrefix("StreamingHistory") { return .account }
        return nil
    }

    /// Fields that are personal data the product has no use for: never stored.
    static let dropped: Set<String> = ["ip_addr", "ip_addr_decrypted", "user_agent_decrypted", "username"]

    /// The plays of one file. `ts` and `endTime` mark when a play stopped (Spotify's ReadMeFirst).
    public static func plays(in data: Data, name: String, format: Format) throws -> [ExportedPlay] {
        let document: JSONValue
        do {
            document = try JSONValue(parsing: data)
        } catch {
            throw PlaykeeperError(.invalid, "\(name) is not JSON: \(error)")
        }
        guard case .array(let records) = document else {
            throw PlaykeeperError(.invalid, "\(name) is not a Spotify history file: it holds no list of records")
        }
        var plays: [ExportedPlay] = []
        plays.reserveCapacity(records.count)
        for (index, record) in records.enumerated() {
            guard case .object(var members) = record else {
                throw PlaykeeperError(.invalid, "\(name): record \(index + 1) is not an object")
            }
            for key in dropped { members[key] = nil }
            switch format {
            case .extended: plays.append(try extended(members, name: name, index: index))
            case .account: plays.append(try account(members, name: name, index: index))
            case .video: return []
            }
        }
        return plays
    }

    static func extended(_ record: JSONObject, name: String, index: Int) throws -> ExportedPlay {
        guard let text = record["ts"]?.stringValue else {
            if record["endTime"] != nil {
                throw PlaykeeperError(.invalid, "\(name) holds account data (endTime), not extended history (ts)")
            }
            throw PlaykeeperError(.invalid, "\(name): record \(index + 1) has no 'ts'")
        }
        guard let endedAt = (try? Date.ISO8601FormatStyle().parse(text)) else {
            throw PlaykeeperError(.invalid, "\(name): record \(index + 1) has a 'ts' that is not a time: '\(text.prefix(40))'")
        }
        let episode = record["spotify_episode_uri"]?.stringValue
        let audiobook = record["audiobook_uri"]?.stringValue
        return ExportedPlay(
            endedAt: endedAt, msPlayed: record["ms_played"]?.intValue,
            uri: record["spotify_track_uri"]?.stringValue ?? episode ?? audiobook,
            trackName: record["master_metadata_track_name"]?.stringValue ?? record["episode_name"]?.stringValue
                ?? record["audiobook_title"]?.stringValue,
            artistName: record["master_metadata_album_artist_name"]?.stringValue
                ?? record["episode_show_name"]?.stringValue,
            albumName: record["master_metadata_album_album_name"]?.stringValue,
            skipped: record["skipped"]?.boolValue, raw: JSONValue.object(record).serialized())
    }

    static func account(_ record: JSONObject, name: String, index: Int) throws -> ExportedPlay {
        guard let text = record["endTime"]?.stringValue else {
            if record["ts"] != nil {
                throw PlaykeeperError(.invalid, "\(name) holds extended history (ts), not account data (endTime)")
            }
            throw PlaykeeperError(.invalid, "\(name): record \(index + 1) has no 'endTime'")
        }
        guard let endedAt = accountTime(text) else {
            throw PlaykeeperError(
                .invalid, "\(name): record \(index + 1) has an 'endTime' that is not a time: '\(text.prefix(40))'")
        }
        return ExportedPlay(
            endedAt: endedAt, msPlayed: record["msPlayed"]?.intValue, uri: nil,
            trackName: record["trackName"]?.stringValue, artistName: record["artistName"]?.stringValue, albumName: nil,
            skipped: nil, raw: JSONValue.object(record).serialized())
    }

    /// Account data's `endTime`, `2024-01-31 21:04` in UTC.
    static func accountTime(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 2 else { return nil }
        return try? Date.ISO8601FormatStyle().parse("\(parts[0])T\(parts[1]):00Z")
    }
}

/// One play from an export file.
public struct ExportedPlay: Sendable, Equatable {
    /// When the play stopped.
    public var endedAt: Date
    public var msPlayed: Int?
    /// The track's URI (an episode's or audiobook's for those); nil in account data until resolved by name.
    public var uri: String?
    public var trackName: String?
    public var artistName: String?
    public var albumName: String?
    public var skipped: Bool?
    /// The record as Spotify wrote it, without the personal fields the product never keeps.
    public var raw: String
}
