import ConsoleKit
import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import Store
import Vapor

#if canImport(Glibc)
    import Glibc
#endif

/// `playkeeper dedupe PLAYLIST|--all [--yes]`: applies the plan after a confirmation.
struct DedupeCommand: PositionalCommand {
    struct Signature: CommandSignature {
        @Flag(name: "all", help: OptionHelp.all)
        var all: Bool
        @Flag(name: "collaborative", help: OptionHelp.collaborative)
        var collaborative: Bool
        @Flag(name: "liked", help: OptionHelp.liked)
        var liked: Bool
        @Option(name: "match", help: OptionHelp.match)
        var match: String?
        @Option(name: "keep", help: OptionHelp.keep)
        var keep: String?
        @Option(name: "plan", help: "Apply this stored plan (from 'duplicates') instead of planning anew.")
        var plan: String?
        @Option(name: "groups", help: "Apply only these group ids of the plan, comma-separated.")
        var groups: String?
        @Flag(name: "yes", help: "Apply without asking; a playlist that changed meanwhile is planned again.")
        var yes: Bool
        @Option(name: "user", help: OptionHelp.user)
        var user: String?
        @Flag(name: "json", help: "Print the journal entries as JSON on standard output.")
        var json: Bool
        init() {}
    }

    var help: String {
        """
        Usage: playkeeper dedupe PLAYLIST|--all [options]

        Remove duplicates: plan, show, confirm, then write with the fewest calls and verify. Every change is
        journaled first and can be undone with 'playkeeper undo JOURNAL_ID'.

        Spotify removes every copy of a song, so a kept copy is removed and added back where it stands: its
        "added at" becomes today. Local files and unavailable entries are never removed.

        Examples:
          playkeeper dedupe "Road Trip"
          playkeeper dedupe --all --liked --match recording --yes
          playkeeper dedupe --plan 6F1C... --groups 3fa2b1c0d4e5,9a8b7c6d5e4f

        Exit codes: 0 ok, 1 error, 2 usage or confirmation needed without a terminal, 3 needs login,
        4 rate limit, 5 the playlist changed since the preview (the new preview is printed).
        """
    }

    let positionalRange = 0...1

    func run(using context: inout CommandContext) async throws { try await runWithPositionals(&context) }

    func run(using context: CommandContext, signature: Signature, positionals: [String]) async throws {
        try await CommandRunner.run(context) { try await dedupe(context, signature, playlistArgument: positionals.first) }
    }

    private func dedupe(_ context: CommandContext, _ signature: Signature, playlistArgument: String?) async throws {
        // ConsoleKit itself takes a global `--yes`/`-y` and records it as the console's confirmation override.
        let yes = signature.yes || context.console.confirmOverride == true
        let session = try await DedupeSession.open(context, user: signature.user, origin: "dedupe")
        let level = try DedupeSession.level(signature.match)
        let keep = try DedupeSession.policy(signature.keep)
        let groups = signature.groups.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
        if let planText = signature.plan {
            guard let planID = UUID(uuidString: planText) else {
                throw CommandFailure(.usage, "--plan takes a plan id from 'playkeeper duplicates'")
            }
            try confirm(yes, "Apply plan \(planID)?")
            let journal = try await session.exclusive { try await session.service.apply(planID: planID, groups: groups) }
            try await report([journal], session: session, json: signature.json)
            return
        }
        guard playlistArgument != nil || signature.all else { throw CommandFailure(.usage, "name a playlist, or use --all") }
        try await session.sync()
        let targets = DedupeTargets(
            playlist: playlistArgument, all: signature.all, collaborative: signature.collaborative, liked: signature.liked)
        var journals: [JournalRecord] = []
        for playlist in try await targets.resolve(user: session.user, on: session.mirror.database) {
            var preview = try await session.service.preview(playlist, level: level, keep: keep)
            guard !preview.plan.groups.isEmpty else {
                if !signature.json { DedupeViews.text(preview).forEach(Output.progress) }
                continue
            }
            if !signature.json || !yes { DedupeViews.text(preview).forEach(Output.progress) }
            try confirm(yes, "Apply these changes to \(playlist.name)?")
            var attempts = 0
            while true {
                do {
                    let planID = try preview.record.requireID()
                    journals.append(
                        try await session.exclusive { try await session.service.apply(planID: planID, groups: groups) })
                    break
                } catch DedupeError.stale where yes && attempts < 3 {
                    // --yes plans and applies in one step: plan again on the new version and go on.
                    attempts += 1
                    Output.progress("\(playlist.name) changed meanwhile; planning again.")
                    try await session.sync()
                    let fresh = try await PlaylistReference.resolve(
                        playlist.spotifyID, user: session.user, on: session.mirror.database)
                    preview = try await session.service.preview(fresh, level: level, keep: keep)
                } catch let error as DedupeError {
                    // A plan a person has seen is never re-planned silently: show the new one and stop.
                    if case .stale = error {
                        try await session.sync()
                        let fresh = try await PlaylistReference.resolve(
                            playlist.spotifyID, user: session.user, on: session.mirror.database)
                        Output.progress("The new preview:")
                        DedupeViews.text(try await session.service.preview(fresh, level: level, keep: keep)).forEach(
                            Output.progress)
                    }
                    throw error
                }
            }
        }
        try await report(journals, session: session, json: signature.json)
    }

    private func confirm(_ yes: Bool, _ question: String) throws {
        guard !yes else { return }
        guard isatty(STDIN_FILENO) == 1 else {
            throw CommandFailure(.usage, "confirmation needed and there is no terminal: run again with --yes")
        }
        FileHandle.standardError.write(Data("\(question) [y/N] ".utf8))
        guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
            throw CommandFailure(.error, "nothing was changed")
        }
    }

    private func report(_ journals: [JournalRecord], session: DedupeSession, json: Bool) async throws {
        var views: [JSONValue] = []
        for journal in journals {
            let playlist = try await PlaylistRecord.find(journal.$playlist.id, on: session.mirror.database)
            views.append(DedupeViews.journal(journal, playlist: playlist))
            if !json {
                Output.progress(
                    "\(playlist?.name ?? "playlist"): \(journal.status.label); journal \(journal.id?.uuidString ?? "") (undo with 'playkeeper undo \(journal.id?.uuidString ?? "")')"
                )
            }
        }
        if json {
            Output.result(JSONValue.object(["journals": .array(views)]).serialized())
        } else {
            journals.compactMap { $0.id?.uuidString }.forEach(Output.result)
        }
    }
}
