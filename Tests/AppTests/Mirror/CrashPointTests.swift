import App
import EmulatorTestSupport
import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import SpotifyEmulator
import Store
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Every write boundary of every change, in both crash modes: a real `playkeeper` process is killed with
/// SIGKILL there, then the natural next command runs, and the emulator's state (not the mirror) must hold the
/// invariants: no song lost, no duplicate left, kept entries in order, no extra playlist, and the journal settled.
@Suite(.serialized)
struct CrashPointTests {
    /// How the process dies at write `k` (counted from 1).
    enum Mode: String, CaseIterable, Sendable {
        /// Writes 1..<k applied, write k held before Spotify applies it, then the kill.
        case beforeWrite = "before write"
        /// Write k applied by Spotify, its reply never sent, then the kill.
        case replyLost = "reply lost after write"
    }

    struct Scenario: Sendable {
        var name: String
        var library: EmulatorLibrary
        /// Settings every command of the scenario runs with (a lower shard size).
        var environment: [String: String] = [:]
        /// What runs before the change under test (a sync, a first dedupe, …); returns the command to crash.
        var prepare: @Sendable (TestMirror, Scenario) async throws -> [String]
        /// The natural next command after the crash.
        var next: @Sendable ([String]) -> [String] = { $0 }
        /// Checks the emulator's state after recovery against the state before the change.
        var check: @Sendable (_ before: EmulatorLibrary, _ after: EmulatorLibrary, _ label: String) -> Void

        func run(_ arguments: [String], _ mirror: TestMirror) async throws -> (code: Int32, output: String, errors: String) {
            let process = try ExecutableTests.Run(arguments, environment: self.environment(mirror))
            let code = try await process.exitCode()
            return (code, process.output, process.errors)
        }

        func environment(_ mirror: TestMirror) -> [String: String] {
            DedupeCLITests().environment(mirror).merging(environment) { $1 }
        }

        /// Runs a command that must succeed.
        func expectSuccess(_ arguments: [String], _ mirror: TestMirror) async throws -> String {
            let result = try await run(arguments, mirror)
            #expect(result.code == 0, "\(name): \(arguments.joined(separator: " ")): \(result.errors)")
            return result.output
        }
    }

    static var scenarios: [Scenario] {
        [
            Scenario(
                name: "dedupe of one playlist", library: DedupeTests.library(seed: 9, length: 40),
                prepare: { mirror, scenario in
                    _ = try await scenario.expectSuccess(["sync"], mirror)
                    return ["dedupe", "Random 9", "--yes"]
                }, check: Self.dedupeInvariants),
            Scenario(
                name: "dedupe --all over several playlists", library: Self.severalPlaylists(),
                prepare: { mirror, scenario in
                    _ = try await scenario.expectSuccess(["sync"], mirror)
                    return ["dedupe", "--all", "--yes"]
                }, check: Self.dedupeInvariants),
            Scenario(
                name: "Liked Songs removal", library: Self.likedDuplicates(),
                prepare: { mirror, scenario in
                    _ = try await scenario.expectSuccess(["sync"], mirror)
                    return ["dedupe", "--all", "--liked", "--match", "recording", "--yes"]
                }, check: Self.likedInvariants),
            Scenario(
                name: "undo", library: DedupeTests.library(seed: 9, length: 40),
                prepare: { mirror, scenario in
                    _ = try await scenario.expectSuccess(["sync"], mirror)
                    let done = try await scenario.expectSuccess(["dedupe", "Random 9", "--yes", "--json"], mirror)
                    let id = try JSONValue(parsing: done)["journals"]?.arrayValue?.first?["id"]?.stringValue
                    return ["undo", try #require(id)]
                }, next: { _ in ["sync"] }, check: Self.undoInvariants),
            Scenario(
                name: "the first unify", library: Self.severalPlaylists(),
                prepare: { mirror, scenario in
                    _ = try await scenario.expectSuccess(["sync"], mirror)
                    return ["unify"]
                }, check: Self.unifiedInvariants(name: "All my tracks", shards: 1, cap: 10_000, created: 1)),
            Scenario(
                name: "a unify update with additions, removals and a new name",
                library: UnifiedTests.library(tracks: 40, playlists: [Array(0..<15), Array(10..<25)]),
                prepare: { mirror, scenario in
                    _ = try await scenario.expectSuccess(["unify"], mirror)
                    // Songs 0 and 1 leave their only source, five new ones arrive.
                    try await Self.edit(mirror, "remove", "upl0000000000000000000", [0, 1])
                    try await Self.edit(mirror, "add", "upl0000000000000000000", Array(25..<30))
                    return ["unify", "--name", "Everything"]
                }, check: Self.unifiedInvariants(name: "Everything", shards: 1, cap: 10_000, created: 0)),
            Scenario(
                name: "a new shard past the cap",
                library: UnifiedTests.library(tracks: 40, playlists: [Array(0..<15), []]),
                environment: ["PLAYKEEPER_SHARD_SIZE": "20"],
                prepare: { mirror, scenario in
                    _ = try await mirror.state.updateKnobs(["playlist_cap": 20])
                    _ = try await scenario.expectSuccess(["unify"], mirror)
                    // Ten more songs: five fill the first shard, five start the second.
                    try await Self.edit(mirror, "add", "upl0000000000000000001", Array(15..<25))
                    return ["unify"]
                }, check: Self.unifiedInvariants(name: "All my tracks", shards: 2, cap: 20, created: 1)),
            Scenario(
                name: "a smart playlist's creation (On repeat)",
                library: UnifiedTests.library(tracks: 40, playlists: [Array(0..<20)]),
                prepare: { mirror, scenario in
                    _ = try await scenario.expectSuccess(["sync"], mirror)
                    // Track i of 0..<30 played 31 − i times: the ranking is 0, 1, …, 29.
                    try await Self.importPlays(
                        SmartTests.plays(Dictionary(uniqueKeysWithValues: (0..<30).map { ($0, 31 - $0) })), mirror, scenario)
                    return ["smart", "enable", "on-repeat"]
                }, next: { _ in ["smart", "update"] },
                check: Self.smartInvariants(name: "On repeat", songs: (0..<30).map(UnifiedTests.trackURI), created: 1)),
            Scenario(
                name: "a ranked smart playlist reordered by moves",
                library: UnifiedTests.library(tracks: 320, playlists: [Array(0..<10)]),
                prepare: { mirror, scenario in
                    _ = try await scenario.expectSuccess(["sync"], mirror)
                    try await Self.importPlays((0..<300).map { ($0, 5, 100_000 + $0 * 100) }, mirror, scenario)
                    _ = try await scenario.expectSuccess(
                        ["smart", "add", "Longest listened", "--window", "90d", "--order", "listened", "--limit", "300"], mirror)
                    // Songs 0 and 1 climb from the bottom to the top: two moves.
                    try await Self.importPlays([(0, 0.5, 60_000), (1, 0.5, 59_000)], mirror, scenario)
                    return ["smart", "update"]
                },
                check: Self.smartInvariants(
                    name: "Longest listened", songs: ([0, 1] + Array((2..<300).reversed())).map(UnifiedTests.trackURI),
                    created: 0)),
            Scenario(
                name: "an unranked smart playlist's removals and appends (Never played)",
                library: UnifiedTests.library(tracks: 40, playlists: [Array(0..<12), Array(10..<20)]),
                prepare: { mirror, scenario in
                    try await Self.importPlays([(1, 3, 200_000), (11, 2, 200_000)], mirror, scenario)
                    _ = try await scenario.expectSuccess(["smart", "enable", "never-played"], mirror)
                    // Songs 3 and 14 get played; song 30 is added to a source.
                    try await Self.importPlays([(3, 0.5, 200_000), (14, 0.4, 200_000)], mirror, scenario)
                    try await Self.edit(mirror, "add", "upl0000000000000000000", [30])
                    return ["smart", "update"]
                },
                check: Self.smartInvariants(
                    name: "Never played",
                    songs: ([0, 2, 4, 5, 6, 7, 8, 9, 10, 12, 13, 15, 16, 17, 18, 19, 30]).map(UnifiedTests.trackURI),
                    created: 0)),
        ]
    }

    /// Imports plays with `playkeeper import`, as a person would.
    static func importPlays(_ plays: [(track: Int, daysAgo: Double, ms: Int)], _ mirror: TestMirror, _ scenario: Scenario)
        async throws
    {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pk-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("Streaming_History_Audio_\(UUID().uuidString.prefix(8)).json")
        try SmartTests.history(plays, now: Date()).write(to: file)
        _ = try await scenario.expectSuccess(["import", file.path], mirror)
    }

    static func edit(_ mirror: TestMirror, _ op: String, _ playlist: String, _ songs: [Int]) async throws {
        _ = try await mirror.state.applyAppEdit([
            "op": .string(op), "playlist": .string(playlist), "uris": .array(songs.map { .string(UnifiedTests.trackURI($0)) }),
        ])
    }

    @Test(.timeLimit(.minutes(20)), arguments: StoreKind.available)
    func everyWriteBoundaryOfEveryChangeRecovers(_ kind: StoreKind) async throws {
        var tried = 0
        var planned = 0
        for scenario in Self.scenarios {
            let writes = try await writeCount(scenario, kind)
            #expect(writes > 0, "\(scenario.name) writes something")
            print("CrashPointTests (\(kind.rawValue)): \(scenario.name): \(writes) writes, \(2 * writes) crash points")
            planned += 2 * writes
            for mode in Mode.allCases {
                for k in 1...max(writes, 1) {
                    try await crash(scenario, kind, mode: mode, at: k)
                    tried += 1
                }
            }
        }
        print("CrashPointTests (\(kind.rawValue)): \(tried) crash points tried of \(planned) write boundaries × 2 modes")
        #expect(tried == planned, "every boundary of every plan was tried")
    }

    /// The writes the command sends when nothing goes wrong.
    func writeCount(_ scenario: Scenario, _ kind: StoreKind) async throws -> Int {
        var count = 0
        try await TestMirror.with(kind, library: scenario.library) { mirror in
            let command = try await scenario.prepare(mirror, scenario)
            await mirror.state.resetRequestLog()
            let result = try await scenario.run(command, mirror)
            #expect(result.code == 0, "\(scenario.name): \(result.errors)")
            count = await mirror.state.requestLog().requests.filter {
                !$0.endpoint.hasPrefix("GET ") && $0.endpoint.contains(" /v1/")
            }.count
        }
        return count
    }

    func crash(_ scenario: Scenario, _ kind: StoreKind, mode: Mode, at k: Int) async throws {
        let label = "\(scenario.name), \(mode.rawValue) \(k) (\(kind.rawValue))"
        try await TestMirror.with(kind, library: scenario.library) { mirror in
            let command = try await scenario.prepare(mirror, scenario)
            let before = await mirror.state.library()
            switch mode {
            case .beforeWrite: _ = try await mirror.state.updateKnobs(["hold_writes_after": JSONValue(k - 1)])
            case .replyLost: _ = try await mirror.state.updateKnobs(["withhold_reply_of_write": JSONValue(k)])
            }
            let process = try ExecutableTests.Run(command, environment: scenario.environment(mirror))
            switch mode {
            case .beforeWrite: await mirror.state.waitForHeldWrites()
            case .replyLost: await mirror.state.waitForWithheldReply()
            }
            kill(process.process.processIdentifier, SIGKILL)
            _ = try await process.exitCode()
            // The client is gone: a held write never lands, a withheld reply goes nowhere.
            _ = try await mirror.state.updateKnobs(["hold_writes_after": .null, "withhold_reply_of_write": .null])
            await mirror.state.releaseWithheldReplies()

            let next = try await scenario.run(scenario.next(command), mirror)
            #expect(next.code == 0, "\(label): \(next.errors)")
            #expect(next.errors.contains("Recovered an interrupted change"), "\(label): the command says what it recovered")

            let journal = try await JournalRecord.query(on: mirror.database).all()
            #expect(!journal.contains { $0.status.isOpen }, "\(label): no change stays applying")
            // A change is journaled on its playlist; creating or renaming the unified playlist is saved as an
            // intent beforehand.
            #expect(
                journal.contains { $0.recovery != nil && [.verified, .rolledBack, .needsAttention].contains($0.status) }
                    || next.errors.contains("its creation was interrupted") || next.errors.contains("its rename to"),
                "\(label): the interrupted change says how it was settled")
            scenario.check(before, await mirror.state.library(), label)
        }
    }

    // MARK: Libraries

    static func severalPlaylists() -> EmulatorLibrary {
        var library = DedupeTests.library(seed: 3, length: 30)
        let second = DedupeTests.library(seed: 4, length: 25)
        library.playlists += second.playlists
        library.follows["demo", default: []] += second.follows["demo"] ?? []
        return library
    }

    static func likedDuplicates() -> EmulatorLibrary {
        var library = DedupeTests.library(seed: 5, length: 10)
        let base = Date(timeIntervalSince1970: 1_760_000_000)
        // Song 0 and its twin (the same recording), saved apart, and a few other songs.
        let uris =
            ["spotify:track:twn0000000000000000000"] + (0..<6).map { String(format: "spotify:track:trk%019d", $0) }
        library.liked["demo"] = uris.enumerated().map { .init(uri: $1, addedAt: base.addingTimeInterval(Double($0))) }
        return library
    }

    // MARK: Invariants

    static func dedupeInvariants(_ before: EmulatorLibrary, _ after: EmulatorLibrary, _ label: String) {
        #expect(after.playlists.count == before.playlists.count, "\(label): no orphan or extra playlist")
        for playlist in before.playlists {
            let original = playlist.entries.map(\.uri)
            let now = after.playlists.first { $0.id == playlist.id }?.entries.map(\.uri) ?? []
            #expect(Set(now) == Set(original), "\(label): \(playlist.name) holds every song it held")
            #expect(isSubsequence(now, of: original), "\(label): kept entries keep their order")
            let removable = now.filter { uri in
                !uri.hasPrefix("spotify:local:") && before.tracks.first { $0.uri == uri }?.unavailable != true
            }
            #expect(Set(removable).count == removable.count, "\(label): no duplicate left in \(playlist.name)")
        }
    }

    static func likedInvariants(_ before: EmulatorLibrary, _ after: EmulatorLibrary, _ label: String) {
        let original = Set(before.liked["demo"]?.map(\.uri) ?? [])
        let now = after.liked["demo"]?.map(\.uri) ?? []
        // One of the two copies of the recording goes; every other song stays saved.
        #expect(now.count == original.count - 1 && Set(now).isSubset(of: original), "\(label): Liked Songs \(now)")
        #expect(
            now.contains("spotify:track:twn0000000000000000000")
                != now.contains("spotify:track:trk0000000000000000000"), "\(label): one copy of the recording stays")
    }

    static func undoInvariants(_ before: EmulatorLibrary, _ after: EmulatorLibrary, _ label: String) {
        // `before` is the deduplicated state; the undo restores every removed copy in place.
        let deduped = before.playlists.first { $0.id == "p9" }?.entries.map(\.uri) ?? []
        let now = after.playlists.first { $0.id == "p9" }?.entries.map(\.uri) ?? []
        #expect(after.playlists.count == before.playlists.count, "\(label): no orphan or extra playlist")
        #expect(Set(now) == Set(deduped), "\(label): no song lost")
        #expect(isSubsequence(deduped, of: now), "\(label): the kept entries keep their order")
        #expect(now == DedupeTests.library(seed: 9, length: 40).playlists[0].entries.map(\.uri), "\(label): restored")
    }

    /// The unified playlist: `shards` playlists named after `name`, `created` of them new, at most `cap` songs
    /// each, every available song of the sources exactly once, and the sources untouched.
    static func unifiedInvariants(name: String, shards: Int, cap: Int, created: Int)
        -> @Sendable (
            EmulatorLibrary, EmulatorLibrary, String
        ) -> Void
    {
        { before, after, label in
            let managed = after.playlists.filter { $0.name == name || $0.name.hasPrefix(name + " (") }
            #expect(managed.count == shards, "\(label): \(shards) playlist(s) named \(name), not \(managed.count)")
            #expect(after.playlists.count == before.playlists.count + created, "\(label): no orphan or extra playlist")
            let managedIDs = Set(managed.map(\.id))
            let sources = before.playlists.filter { !managedIDs.contains($0.id) }
            let wanted = sources.flatMap(\.entries).map(\.uri).filter { uri in
                !uri.hasPrefix("spotify:local:") && before.tracks.first { $0.uri == uri }?.unavailable != true
            }
            let songs = managed.flatMap(\.entries).map(\.uri)
            #expect(Set(songs) == Set(wanted) && songs.count == Set(songs).count, "\(label): every song once")
            #expect(managed.allSatisfy { $0.entries.count <= cap }, "\(label): no shard past \(cap)")
            for playlist in sources {
                #expect(
                    after.playlists.first { $0.id == playlist.id }?.entries == playlist.entries, "\(label): sources untouched")
            }
        }
    }

    /// A smart playlist: exactly one playlist called `name`, holding `songs` in order (the rule's result, ranked or
    /// in the order added), `created` playlists more than before, and every other playlist untouched.
    static func smartInvariants(name: String, songs: [String], created: Int)
        -> @Sendable (
            EmulatorLibrary, EmulatorLibrary, String
        ) -> Void
    {
        { before, after, label in
            let made = after.playlists.filter { $0.name == name }
            #expect(made.count == 1, "\(label): one playlist called \(name), not \(made.count)")
            #expect(after.playlists.count == before.playlists.count + created, "\(label): no orphan or extra playlist")
            #expect(made.first?.entries.map(\.uri) == songs, "\(label): \(name) is the rule's result")
            for playlist in before.playlists where playlist.name != name {
                #expect(after.playlists.first { $0.id == playlist.id }?.entries == playlist.entries, "\(label): others untouched")
            }
        }
    }

    static func isSubsequence(_ part: [String], of whole: [String]) -> Bool {
        var index = whole.startIndex
        for item in part {
            guard let found = whole[index...].firstIndex(of: item) else { return false }
            index = whole.index(after: found)
        }
        return true
    }
}

extension CrashPointTests {
    /// Every command that reads or writes the library settles an interrupted change before its own work, and
    /// says so in one line.
    @Test(
        .timeLimit(.minutes(3)),
        arguments: [["sync"], ["duplicates", "Random 9"], ["export"], ["dedupe", "Random 9", "--yes"], ["unify"], ["undo"]])
    func everyCommandSettlesAnInterruptedChangeFirst(_ command: [String]) async throws {
        let scenario = Self.scenarios[0]
        try await TestMirror.with(.sqlite, library: scenario.library) { mirror in
            _ = try await scenario.expectSuccess(["sync"], mirror)
            // Killed after the removal, before the songs come back.
            _ = try await mirror.state.updateKnobs(["hold_writes_after": 1])
            let process = try ExecutableTests.Run(["dedupe", "Random 9", "--yes"], environment: scenario.environment(mirror))
            await mirror.state.waitForHeldWrites()
            kill(process.process.processIdentifier, SIGKILL)
            _ = try await process.exitCode()
            _ = try await mirror.state.updateKnobs(["hold_writes_after": .null])
            let entry = try #require(try await JournalRecord.query(on: mirror.database).first())
            #expect(entry.status == .applying)

            // `undo` of the interrupted change itself: it is finished first, then undone.
            let arguments = command == ["undo"] ? ["undo", try entry.requireID().uuidString] : command
            let result = try await scenario.run(arguments, mirror)
            #expect(result.code == 0, "\(arguments): \(result.errors)")
            let lines = result.errors.split(separator: "\n")
            #expect(
                lines.first
                    == "Recovered an interrupted change of Random 9: interrupted after write 1 of 3; finished.",
                "\(arguments): \(result.errors)")
            #expect(lines.filter { $0.contains("Recovered an interrupted change") }.count == 1, "one line, not a log line too")
            let settled = try #require(try await JournalRecord.find(entry.requireID(), on: mirror.database))
            #expect(settled.status == (command == ["undo"] ? .undone : .verified))
            #expect(settled.recovery?.contains("(by \(command[0]),") == true, "\(settled.recovery ?? "")")
            let songs = await mirror.state.uris(of: "p9") ?? []
            #expect(Set(songs) == Set(scenario.library.playlists[0].entries.map(\.uri)), "no song lost")
        }
    }
}
