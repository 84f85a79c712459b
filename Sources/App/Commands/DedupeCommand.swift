import ArgumentParser
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
struct DedupeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedupe",
        abstract: "Remove duplicates: plan, show, confirm, then write with the fewest calls and verify.",
        discussion: """
            Name a playlist, or use --all. Every change is journaled first and can be undone with \
            'playkeeper undo JOURNAL_ID'.

            Spotify removes every copy of a song, so a kept copy is removed and added back where it stands: its \
            "added at" becomes today. Local files and unavailable entries are never removed.

            Examples:
              playkeeper dedupe "Road Trip"
              playkeeper dedupe --all --liked --match recording --yes
              playkeeper dedupe --plan 6F1C... --groups 3fa2b1c0d4e5,9a8b7c6d5e4f

            Exit codes: 0 ok, 1 error, 2 usage or confirmation needed without a terminal, 3 needs login, \
            4 rate limit, 5 the playlist changed since the preview (the new preview is printed), or another job \
            of this user runs.
            """)

    @OptionGroup var targets: DedupeTargetOptions
    @Option(help: "Apply this stored plan (from 'duplicates') instead of planning anew.")
    var plan: String?
    @Option(help: "Apply only these group ids of the plan, comma-separated.")
    var groups: String?
    @Flag(
        name: [.customLong("yes"), .customShort("y")],
        help: "Apply without asking; a playlist that changed meanwhile is planned again.")
    var yes = false
    @OptionGroup var person: UserOption
    @Flag(help: "Print the journal entries as JSON on standard output.")
    var json = false

    func run() async throws {
        try await CommandRunner.run { app in try await dedupe(app) }
    }

    private func dedupe(_ app: Application) async throws {
        let playlistArgument = targets.playlist
        let session = try await DedupeSession.open(app, user: person.user, origin: "dedupe")
        let level = try DedupeSession.level(targets.match)
        let keep = try DedupeSession.policy(targets.keep)
        let groups = self.groups.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) }
        if let planText = plan {
            guard let planID = UUID(uuidString: planText) else {
                throw PlaykeeperError(.invalid, "--plan takes a plan id from 'playkeeper duplicates'")
            }
            try confirm(yes, "Apply plan \(planID)?")
            let journal = try await session.actions.apply(planID: planID, groups: groups, wait: 600)
            try await report([journal], session: session, json: json)
            return
        }
        guard playlistArgument != nil || targets.all else { throw PlaykeeperError(.invalid, "name a playlist, or use --all") }
        let chosen = DedupeTargets(
            playlist: playlistArgument, all: targets.all, collaborative: targets.collaborative, liked: targets.liked)
        var journals: [JournalRecord] = []
        for var preview in try await session.previews(chosen, level: level, keep: keep) {
            let playlist = preview.playlist
            guard !preview.plan.groups.isEmpty else {
                if !json { DedupeViews.text(preview).forEach(Output.progress) }
                continue
            }
            if !json || !yes { DedupeViews.text(preview).forEach(Output.progress) }
            try confirm(yes, "Apply these changes to \(playlist.name)?")
            // The playlist alone, planned again on its version after a new sync.
            let again = DedupeTargets(playlist: playlist.spotifyID, all: false, collaborative: false, liked: false)
            var attempts = 0
            while true {
                do {
                    let planID = try preview.record.requireID()
                    journals.append(try await session.actions.apply(planID: planID, groups: groups, wait: 600))
                    break
                } catch let error as DedupeError {
                    guard case .stale = error else { throw error }
                    guard let fresh = try await session.previews(again, level: level, keep: keep).first else { throw error }
                    if yes && attempts < 3 {
                        // --yes plans and applies in one step: plan again on the new version and go on.
                        attempts += 1
                        Output.progress("\(playlist.name) changed meanwhile; planning again.")
                        preview = fresh
                        continue
                    }
                    // A plan a person has seen is never re-planned silently: show the new one and stop.
                    Output.progress("The new preview:")
                    DedupeViews.text(fresh).forEach(Output.progress)
                    throw error
                }
            }
        }
        try await report(journals, session: session, json: json)
    }

    private func confirm(_ yes: Bool, _ question: String) throws {
        guard !yes else { return }
        guard isatty(STDIN_FILENO) == 1 else {
            throw PlaykeeperError(.invalid, "confirmation needed and there is no terminal: run again with --yes")
        }
        FileHandle.standardError.write(Data("\(question) [y/N] ".utf8))
        guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
            throw PlaykeeperError(.failed, "nothing was changed")
        }
    }

    private func report(_ journals: [JournalRecord], session: DedupeSession, json: Bool) async throws {
        let ids = journals.map { $0.$playlist.id }
        let playlists = try await PlaylistRecord.query(on: session.mirror.database).filter(\.$id ~~ ids).all()
        let byID = Dictionary(playlists.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var views: [JSONValue] = []
        for journal in journals {
            let playlist = byID[journal.$playlist.id]
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
