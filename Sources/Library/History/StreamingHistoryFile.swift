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

    /// What a record's member is for: one lookup a member.
    enum Role { case dropped, read }
    static let roles: [String: Role] = Dictionary(
        uniqueKeysWithValues: dropped.map { ($0, Role.dropped) } + read.map { ($0, Role.read) })

    /// The members the plays are made of; every other member is kept in the raw text as it arrived.
    static let read: Set<String> = [
        "ts", "ms_played", "spotify_track_uri", "spotify_episode_uri", "audiobook_uri", "master_metadata_track_name",
        "episode_name", "audiobook_title", "master_metadata_album_artist_name", "episode_show_name",
        "master_metadata_album_album_name", "skipped", "endTime", "msPlayed", "trackName", "artistName",
    ]

    /// The plays of one file. `ts` and `endTime` mark when a play stopped (Spotify's ReadMeFirst).
    ///
    /// The file is read in one pass, record by record, without building it as a tree: each record's raw text is
    /// its members as they arrived, less the personal fields.
    public static func plays(in data: Data, name: String, format: Format) throws -> [ExportedPlay] {
        guard format != .video else { return [] }
        var plays: [ExportedPlay] = []
        do {
            try JSONReader.read(data) { reader in
                let isList = try reader.readArray { reader in
                    let index = plays.count
                    var members = JSONObject()
                    var raw: [UInt8] = []
                    raw.reserveCapacity(1024)
                    raw.append(UInt8(ascii: "{"))
                    let isObject = try reader.readObject { key, reader in
                        let role = roles[key]
                        guard role != .dropped else { return try reader.skipValue() }
                        if raw.count > 1 { raw.append(UInt8(ascii: ",")) }
                        reader.appendText(reader.keySpan, to: &raw)
                        raw.append(UInt8(ascii: ":"))
                        if role == .read {
                            let (value, span) = try reader.readValueKeepingSpan()
                            members[key] = value
                            reader.appendText(span, to: &raw)
                        } else {
                            reader.appendText(try reader.skipValueKeepingSpan(), to: &raw)
                        }
                    }
                    guard isObject else { throw PlaykeeperError(.invalid, "\(name): record \(index + 1) is not an object") }
                    raw.append(UInt8(ascii: "}"))
                    let text = String(decoding: raw, as: UTF8.self)
                    switch format {
                    case .extended: plays.append(try extended(members, raw: text, name: name, index: index))
                    case .account: plays.append(try account(members, raw: text, name: name, index: index))
                    case .video: break
                    }
                }
                guard isList else {
                    throw PlaykeeperError(.invalid, "\(name) is not a Spotify history file: it holds no list of records")
                }
            }
        } catch let error as PlaykeeperError {
            throw error
        } catch {
            throw PlaykeeperError(.invalid, "\(name) is not JSON: \(error)")
        }
        return plays
    }

    static func extended(_ record: JSONObject, raw: String, name: String, index: Int) throws -> ExportedPlay {
        guard let text = record["ts"]?.stringValue else {
            if record["endTime"] != nil {
                throw PlaykeeperError(.invalid, "\(name) holds account data (endTime), not extended history (ts)")
            }
            throw PlaykeeperError(.invalid, "\(name): record \(index + 1) has no 'ts'")
        }
        guard let endedAt = time(text) else {
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
            skipped: record["skipped"]?.boolValue, raw: raw)
    }

    static func account(_ record: JSONObject, raw: String, name: String, index: Int) throws -> ExportedPlay {
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
            skipped: nil, raw: raw)
    }

    /// A `ts`: `2024-01-31T21:04:05Z`, as every export writes it, is read without a formatter; any other form
    /// of ISO 8601 goes to one.
    static func time(_ text: String) -> Date? {
        var text = text
        let fast = text.withUTF8 { bytes -> Date? in
            guard bytes.count == 20, bytes[4] == 0x2D, bytes[7] == 0x2D, bytes[10] == 0x54, bytes[13] == 0x3A,
                bytes[16] == 0x3A, bytes[19] == 0x5A
            else { return nil }
            func number(_ start: Int, _ length: Int) -> Int? {
                var value = 0
                for index in start..<(start + length) {
                    let digit = Int(bytes[index]) - 48
                    guard (0...9).contains(digit) else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
                let minute = number(14, 2), let second = number(17, 2), (1...12).contains(month), hour < 24, minute < 60,
                second < 60
            else { return nil }
            let days = RollupRanges.day(year: year, month: month, day: day)
            // A day the month does not have (February 30) is not a time.
            guard RollupRanges.civil(days) == (year, month, day) else { return nil }
            return Date(timeIntervalSince1970: Double(days * 86_400 + hour * 3600 + minute * 60 + second))
        }
        return fast ?? (try? Date.ISO8601FormatStyle().parse(text))
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

/// A file of an export, named, of a known format, read when its turn comes (so that an export needs the memory
/// of a file or two, not of all of them).
public struct HistoryFileSource: Sendable {
    public let name: String
    public let format: StreamingHistoryFile.Format
    public let read: @Sendable () throws -> Data

    public init(name: String, format: StreamingHistoryFile.Format, read: @escaping @Sendable () throws -> Data) {
        self.name = name
        self.format = format
        self.read = read
    }
}
