import App
import NIOCore
import NIOHTTP1
import EmulatorTestSupport
import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import SpotifyEmulator
import Store
import Testing
import Vapor
import VaporTesting
import ZIPFoundation

/// Importing Spotify's history exports: every format with its real field names, from a folder, a zip or
/// single files; never a play twice (the same file again, or a play both polled and exported); bad input named
/// and nothing half-written; personal fields never stored; gaps filled.
@Suite(.serialized)
struct ImportTests {
    static let start = Date(timeIntervalSince1970: 1_700_000_000)

    static func folder(_ files: [String: Data]) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pk-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, data) in files { try data.write(to: folder.appendingPathComponent(name)) }
        return folder
    }

    static func zip(_ files: [String: Data]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pk-export-\(UUID().uuidString).zip")
        let archive = try Archive(url: url, accessMode: .create)
        for (name, data) in files.sorted(by: { $0.key < $1.key }) {
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count)) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return url
    }

    @Test func aFolderImportsOnceAndAgainAddsNothing() async throws {
        try await TestMirror.with(.sqlite) { mirror in
            let library = await mirror.state.library()
            let generator = HistoryExportGenerator(seed: 3, plays: 250, start: Self.start, perFile: 100)
            let folder = try Self.folder(generator.extendedFiles(from: library))
            defer { try? FileManager.default.removeItem(at: folder) }

            let first = try await DedupeCLITests().run(["import", folder.path, "--json"], mirror)
            #expect(first.code == 0, "\(first.errors)")
            let files = try #require(try JSONValue(parsing: first.output)["files"]?.arrayValue)
            #expect(files.count == 4, "three audio files and the video file")
            #expect(files.reduce(0) { $0 + ($1["added"]?.intValue ?? 0) } == 251, "250 songs and a podcast episode")
            #expect(files.contains { $0["format"] == "video" && $0["records"] == 0 })
            #expect(try await PlayRecord.query(on: mirror.database).count() == 251)

            let plays = try await PlayRecord.query(on: mirror.database).filter(\.$source == .import).all()
            #expect(plays.allSatisfy { !$0.raw.contains("ip_addr") && !$0.raw.contains("user_agent") }, "personal data")
            let song = try #require(plays.first { $0.trackURI?.hasPrefix("spotify:track:") == true })
            #expect(song.msPlayed != nil && song.trackName != nil && song.artistName != nil && song.albumName != nil)
            #expect(plays.contains { $0.trackURI == "spotify:episode:e1" && $0.artistName == "The Show" })
            let expected = generator.generatePlays(from: library)
            #expect(Set(plays.map(\.playedAt)).isSuperset(of: expected.map(\.endedAt)), "ts is when the play stopped")

            // The same files again are known by their SHA-256 and not read; --force reads them, and adds nothing.
            let again = try await DedupeCLITests().run(["import", folder.path], mirror)
            #expect(again.code == 0, "\(again.errors)")
            #expect(again.output.components(separatedBy: "imported before (the same file)").count == 4, "\(again.output)")
            let forced = try await DedupeCLITests().run(["import", folder.path, "--force"], mirror)
            #expect(forced.code == 0, "\(forced.errors)")
            #expect(forced.output.contains("0 new plays") && forced.output.contains("already imported"), "\(forced.output)")
            #expect(try await PlayRecord.query(on: mirror.database).count() == 251)
            // A file whose bytes differ (one record more) is read, and adds only what is new.
            let original = generator.extendedFiles(from: library)
            let name = try #require(original.keys.sorted().first { $0.hasPrefix("Streaming_History_Audio") })
            var records = try #require(try JSONValue(parsing: original[name]!).arrayValue)
            records.append(["ts": "2030-01-01T00:00:00Z", "ms_played": 200_000, "spotify_track_uri": "spotify:track:x1"])
            let grown = try Self.folder([name: Data(JSONValue.array(records).serialized().utf8)])
            defer { try? FileManager.default.removeItem(at: grown) }
            let third = try await DedupeCLITests().run(["import", grown.path], mirror)
            #expect(third.output.contains("1 new plays") && third.output.contains("already imported"), "\(third.output)")
            #expect(try await PlayRecord.query(on: mirror.database).count() == 252)
        }
    }

    @Test func aZipAsSpotifySendsItImportsItsHistoryAndPassesOverTheRest() async throws {
        try await TestMirror.with(.sqlite) { mirror in
            let library = await mirror.state.library()
            var files = HistoryExportGenerator(seed: 4, plays: 40, start: Self.start).extendedFiles(from: library)
            files["ReadMeFirst_ExtendedStreamingHistory.pdf"] = Data("%PDF-1.4".utf8)
            files["Userdata.json"] = Data(#"{"username":"demo"}"#.utf8)
            let zip = try Self.zip(files.mapKeys { "Spotify Extended Streaming History/\($0)" })
            defer { try? FileManager.default.removeItem(at: zip) }
            let run = try await DedupeCLITests().run(["import", zip.path], mirror)
            #expect(run.code == 0, "\(run.errors)")
            #expect(run.output.contains("41 new plays") && run.output.contains("video history, skipped"))
            #expect(run.errors.contains("Passed over 2 file(s)"))

            // A zip of other files only, and a file that is not a zip, are refused by name.
            let others = try Self.zip(["Userdata.json": Data("{}".utf8)])
            defer { try? FileManager.default.removeItem(at: others) }
            let refused = try await DedupeCLITests().run(["import", others.path], mirror)
            #expect(refused.code == 2 && refused.errors.contains("holds no Spotify history files"))
            let fake = try Self.folder(["export.zip": Data("not a zip".utf8)])
            defer { try? FileManager.default.removeItem(at: fake) }
            let broken = try await DedupeCLITests().run(["import", fake.appendingPathComponent("export.zip").path], mirror)
            #expect(broken.code == 2 && broken.errors.contains("export.zip is not a zip file"), "\(broken.errors)")
        }
    }

    @Test(arguments: [
        ("Streaming_History_Audio_2024.json", "[{\"ts\": \"2024-01-01T00:00:00Z\"", "is not JSON"),
        (
            "Streaming_History_Audio_2024.json", #"[{"ts":"2024-01-01T00:00:00Z","ms_played":1},{"ms_played":2}]"#,
            "record 2 has no 'ts'"
        ),
        ("Streaming_History_Audio_2024.json", #"[{"endTime":"2024-01-01 10:00","msPlayed":1}]"#, "holds account data"),
        ("Streaming_History_Audio_2024.json", #"{"ts":"2024-01-01T00:00:00Z"}"#, "holds no list of records"),
        (
            "StreamingHistory_music_0.json", #"[{"endTime":"yesterday","msPlayed":1}]"#,
            "record 1 has an 'endTime' that is not a time"
        ),
    ])
    func badInputIsNamedAndNothingIsHalfWritten(name: String, text: String, message: String) async throws {
        try await TestMirror.with(.sqlite) { mirror in
            let folder = try Self.folder([name: Data(text.utf8)])
            defer { try? FileManager.default.removeItem(at: folder) }
            let run = try await DedupeCLITests().run(["import", folder.appendingPathComponent(name).path], mirror)
            #expect(run.code == 2, "\(run.errors)")
            #expect(run.errors.contains(name) && run.errors.contains(message), "\(run.errors)")
            #expect(try await PlayRecord.query(on: mirror.database).count() == 0, "the file's good records are not kept")
        }
    }

    /// A play that was polled and is in the export is one play; a song played twice in a row stays two.
    @Test(arguments: StoreKind.available)
    func aPolledPlayInTheExportIsOnePlayAndARepeatStaysTwo(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind, library: LibraryGenerator(seed: 5, playlists: 2, items: 10).generate()) { mirror in
            let track = try #require(await mirror.state.library().tracks.first)
            let uri = "spotify:track:\(track.id)"
            // After every play the library came with, so that both are among the 50 Spotify keeps.
            let first = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 3_600).rounded())
            let second = first.addingTimeInterval(Double(track.durationMS) / 1000 + 1)
            _ = try await mirror.state.play(user: "demo", [.init(uri: uri, playedAt: first), .init(uri: uri, playedAt: second)])
            let actions = try await mirror.actions()
            let polled = try await actions.pollPlays()
            let before = try await PlayRecord.query(on: mirror.database).count()

            // Spotify's export says the same two plays, a second or two off, with how long each played.
            let records: [JSONValue] = [first, second].map { at in
                [
                    "ts": .string(at.addingTimeInterval(2).formatted(.iso8601)), "ms_played": JSONValue(track.durationMS),
                    "spotify_track_uri": .string(uri), "master_metadata_track_name": .string(track.name),
                    "master_metadata_album_artist_name": .string(track.artists[0].name), "skipped": false,
                ]
            }
            let report = try await actions.importPlays(
                name: "Streaming_History_Audio_2025.json", data: Data(JSONValue.array(records).serialized().utf8),
                format: .extended)
            #expect(polled.added >= 2)
            #expect(report.matchedPolls == 2 && report.added == 0, "\(report)")
            #expect(try await PlayRecord.query(on: mirror.database).count() == before)
            let repeats = try await PlayRecord.query(on: mirror.database).filter(\.$trackURI == uri)
                .filter(\.$playedAt >= first).all()
            #expect(repeats.count == 2 && repeats.allSatisfy { $0.msPlayed == track.durationMS }, "each gained its ms_played")
        }
    }

    /// The history goes out as CSV, JSON and ListenBrainz's listens, which start when the play began.
    @Test(arguments: StoreKind.available)
    func theHistoryExportsAsListenBrainzListens(_ kind: StoreKind) async throws {
        try await TestMirror.with(kind) { mirror in
            let library = await mirror.state.library()
            let generator = HistoryExportGenerator(seed: 12, plays: 20, start: Self.start)
            let folder = try Self.folder(generator.extendedFiles(from: library))
            defer { try? FileManager.default.removeItem(at: folder) }
            #expect(try await DedupeCLITests().run(["import", folder.path], mirror).code == 0)

            let listens = try await DedupeCLITests().run(["export", "--plays", "--format", "listenbrainz"], mirror)
            #expect(listens.code == 0, "\(listens.errors)")
            let lines = try listens.output.split(separator: "\n").map { try JSONValue(parsing: String($0)) }
            #expect(lines.count == 21, "20 songs and the podcast episode, each with a name")
            let expected = generator.generatePlays(from: library)
            // The podcast episode came 30 s before the first song.
            #expect(lines[0]["track_metadata"]?["track_name"] == "Pilot")
            let first = lines[1]
            let began = Int(expected[0].endedAt.timeIntervalSince1970 - Double(expected[0].msPlayed) / 1000)
            #expect(first["listened_at"]?.intValue == began)
            #expect(first["track_metadata"]?["track_name"]?.stringValue == expected[0].track.name)
            #expect(first["track_metadata"]?["release_name"]?.stringValue == expected[0].track.album.name)
            #expect(
                first["track_metadata"]?["additional_info"]?["spotify_id"]?.stringValue
                    == "https://open.spotify.com/track/\(expected[0].track.id)")

            let csv = try await DedupeCLITests().run(["export", "--plays", "--format", "csv"], mirror)
            #expect(csv.output.hasPrefix("Played At,Ms Played,Track URI,") && csv.output.split(separator: "\n").count == 22)
            // The history is the store's alone: it goes out without a Spotify app configured.
            var offline = DedupeCLITests().environment(mirror)
            offline["SPOTIFY_CLIENT_ID"] = nil
            let json = try ExecutableTests.Run(["export", "--plays"], environment: offline)
            #expect(try await json.exitCode() == 0, "\(json.errors)")
            #expect(try JSONValue(parsing: json.output)["plays"]?.arrayValue?.count == 21)
            let refused = try await DedupeCLITests().run(["export", "--format", "listenbrainz"], mirror)
            #expect(refused.code == 2 && refused.errors.contains("--format is csv or json"))

            // Written a page at a time: pages of 7 plays give what one page gives, every play once, in order.
            let user = try await mirror.user()
            for format in PlayExport.Format.allCases {
                var paged = ""
                var whole = ""
                let count = try await PlayExport.write(
                    format, user: user, exportedAt: Self.start, on: mirror.database, pageSize: 7
                ) { paged += $0 }
                try await PlayExport.write(format, user: user, exportedAt: Self.start, on: mirror.database) { whole += $0 }
                #expect(count == 21 && paged == whole, "\(format)")
            }
            #expect(try JSONValue(parsing: json.output)["user"]?.stringValue == "demo")
            // To a file: moved into place when complete; a folder that does not exist is an error and leaves nothing.
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: out) }
            let file = out.appendingPathComponent("plays.csv").path
            let written = try await DedupeCLITests().run(["export", "--plays", "--format", "csv", "--out", file], mirror)
            #expect(written.code == 0)
            #expect(try String(contentsOfFile: file, encoding: .utf8) == csv.output)
            #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["plays.csv"])
            let nowhere = out.appendingPathComponent("missing/plays.csv").path
            let failed = try await DedupeCLITests().run(["export", "--plays", "--out", nowhere], mirror)
            #expect(failed.code == 1 && failed.errors.contains("cannot write"), "\(failed.errors)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["plays.csv"])
        }
    }

    /// Spotify sometimes stamps `played_at` with the start of the play: the export's record (its end) still finds it.
    @Test func aPollStampedWithTheStartIsFoundByTheRecordsStart() async throws {
        try await TestMirror.with(.sqlite, library: LibraryGenerator(seed: 9, playlists: 2, items: 10).generate()) { mirror in
            let track = try #require(await mirror.state.library().tracks.first)
            let uri = "spotify:track:\(track.id)"
            let started = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 7_200).rounded())
            _ = try await mirror.state.play(user: "demo", [.init(uri: uri, playedAt: started)])
            let actions = try await mirror.actions()
            _ = try await actions.pollPlays()
            let before = try await PlayRecord.query(on: mirror.database).count()
            let record: JSONValue = [
                "ts": .string(started.addingTimeInterval(200).formatted(.iso8601)), "ms_played": 200_000,
                "spotify_track_uri": .string(uri),
            ]
            let report = try await actions.importPlays(
                name: "Streaming_History_Audio_2026.json", data: Data(JSONValue.array([record]).serialized().utf8),
                format: .extended)
            #expect(report.matchedPolls == 1 && report.added == 0, "\(report)")
            #expect(try await PlayRecord.query(on: mirror.database).count() == before)
        }
    }

    @Test func accountDataIsMatchedByNameAndWhatIsUnknownIsKeptByName() async throws {
        try await TestMirror.with(.sqlite, library: LibraryGenerator(seed: 6, playlists: 3, items: 12).generate()) { mirror in
            _ = try await mirror.sync()
            let library = await mirror.state.library()
            let generator = HistoryExportGenerator(seed: 6, plays: 120, start: Self.start)
            let files = generator.accountFiles(from: library)
            let (name, data) = try #require(files.first)
            let report = try await mirror.actions().importPlays(name: name, data: data, format: .account)
            let catalogued = Set(try await CatalogItemRecord.query(on: mirror.database).all().compactMap(\.id))
            let expected = generator.generatePlays(from: library)
            let known = expected.filter { catalogued.contains("spotify:track:\($0.track.id)") }
            #expect(report.records == 120 && report.unresolved == 120 - known.count, "\(report)")
            // Account data has minute precision: two plays ending in one minute share a time and are stored once.
            #expect(report.added + report.alreadyStored == report.records)
            let stored = try await PlayRecord.query(on: mirror.database).all()
            #expect(stored.count == report.added)
            #expect(stored.filter { $0.trackURI == nil }.allSatisfy { $0.trackName != nil && $0.artistName != nil })
            let names = Dictionary(library.tracks.map { ("spotify:track:\($0.id)", $0.name) }, uniquingKeysWith: { a, _ in a })
            #expect(stored.compactMap { play in play.trackURI.map { names[$0] == play.trackName } }.allSatisfy { $0 })
            #expect(stored.contains { $0.trackURI != nil }, "tracks the mirror knows are matched")
        }
    }

    @Test func anImportThatCoversAGapFillsIt() async throws {
        try await TestServer.with { server in
            _ = try await server.login()
            await server.settle()
            let actions = try await server.mirror.actions()
            _ = try await actions.pollPlays()
            let newest = try await PlaysTests.newest(server)
            let played = try await PlaysTests.play(60, after: newest, in: server)
            #expect(try await actions.pollPlays().gap != nil)

            let records: [JSONValue] = played.prefix(11).map { play in
                ["ts": .string(play.playedAt.formatted(.iso8601)), "ms_played": 180_000, "spotify_track_uri": .string(play.uri)]
            }
            let report = try await actions.importPlays(
                name: "Streaming_History_Audio_2026.json",
                data: Data(
                    JSONValue.array([["ts": .string(newest.formatted(.iso8601)), "ms_played": 1]] + records).serialized().utf8),
                format: .extended)
            #expect(report.gapsClosed == 1, "\(report)")
            #expect(try await PlayGapRecord.query(on: server.database).filter(\.$filledAt == nil).count() == 0)
        }
    }
}

extension ImportTests {
    @Test func theAPITakesTheZipAsAnUpload() async throws {
        try await TestServer.with { server in
            let token = try await server.token()
            let library = await server.mirror.state.library()
            let zip = try Self.zip(HistoryExportGenerator(seed: 8, plays: 30, start: Self.start).extendedFiles(from: library))
            defer { try? FileManager.default.removeItem(at: zip) }
            let upload = try Self.upload(Data(contentsOf: zip), filename: "my_spotify_data.zip")
            let first = try await Self.post(server, token: token, upload)
            #expect(first.status == .ok, "\(first.body)")
            #expect(first.json["files"]?.arrayValue?.reduce(0) { $0 + ($1["added"]?.intValue ?? 0) } == 31)
            let again = try await Self.post(server, token: token, upload)
            #expect(again.json["files"]?.arrayValue?.reduce(0) { $0 + ($1["added"]?.intValue ?? 0) } == 0)
            #expect(try await PlayRecord.query(on: server.database).count() == 31)

            let bad = try Self.upload(Data("[{\"ms_played\": 1}]".utf8), filename: "Streaming_History_Audio_2020.json")
            let refused = try await Self.post(server, token: token, bad)
            #expect(refused.status == .unprocessableEntity && refused.errorMessage?.contains("record 1 has no 'ts'") == true)
            let notMultipart = try await server.send(.POST, "/api/v1/plays/import", bearer: token, json: [:])
            #expect(notMultipart.status == .badRequest)
        }
    }

    static func upload(_ data: Data, filename: String) throws -> (body: ByteBuffer, type: String) {
        let boundary = "pk-\(UUID().uuidString)"
        var body = ByteBuffer()
        body.writeString(
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n")
        body.writeBytes(data)
        body.writeString("\r\n--\(boundary)--\r\n")
        return (body, "multipart/form-data; boundary=\(boundary)")
    }

    static func post(_ server: TestServer, token: String, _ upload: (body: ByteBuffer, type: String)) async throws
        -> TestServer.Reply
    {
        var headers = HTTPHeaders()
        headers.bearerAuthorization = BearerAuthorization(token: token)
        headers.replaceOrAdd(name: .contentType, value: upload.type)
        var reply: TestServer.Reply?
        try await server.app.testing().test(.POST, "/api/v1/plays/import", headers: headers, body: upload.body) { response in
            reply = TestServer.Reply(status: response.status, headers: response.headers, body: response.body.string)
        }
        return try #require(reply)
    }
}

extension Dictionary where Key == String {
    func mapKeys(_ transform: (String) -> String) -> [String: Value] {
        Dictionary(uniqueKeysWithValues: map { (transform($0.key), $0.value) })
    }
}
