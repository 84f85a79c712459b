import ArgumentParser
import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import Store
import Vapor

/// `playkeeper undo JOURNAL_ID [--force]`.
struct UndoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undo",
        abstract:
            "Restore a playlist's entries, in their original order, as they were before a dedupe or a unify update.",
        discussion: """
            Spotify cannot restore the original "added at" of re-added songs; for Liked Songs, re-saved songs go \
            to the top with today's date. Refused when the playlist changed since, unless --force.

            Example:
              playkeeper undo 2B7E6F8A-1C2D-4E5F-9A0B-1C2D3E4F5A6B

            Exit codes: 0 restored, 1 error or refused (the playlist changed: use --force), 2 usage, 3 needs login, \
            5 another job runs.
            """)

    @Argument(help: "The journal id that 'dedupe' printed.")
    var journal: String
    @Flag(help: "Restore even though the playlist changed since.")
    var force = false
    @OptionGroup var person: UserOption
    @Flag(help: "Print the undo's journal entry as JSON.")
    var json = false

    func run() async throws {
        try await CommandRunner.run { app in
            guard let id = UUID(uuidString: self.journal) else {
                throw PlaykeeperError(.invalid, "'\(self.journal)' is not a journal id")
            }
            let session = try await DedupeSession.open(app, user: person.user, origin: "undo")
            let journal = try await session.actions.undo(journalID: id, force: force, wait: 600)
            let playlist = try await PlaylistRecord.find(journal.$playlist.id, on: session.mirror.database)
            if json {
                Output.result(DedupeViews.journal(journal, playlist: playlist).serialized())
            } else {
                Output.progress(
                    "\(playlist?.name ?? "playlist") restored (\(journal.status.label)). Spotify cannot restore the original \"added at\" of re-added songs."
                )
                Output.result(journal.id?.uuidString ?? "")
            }
        }
    }
}

/// `playkeeper journal [--json]`.
struct JournalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "List the changes Playkeeper made, newest first, with their status and what 'undo' can restore.",
        discussion: """
            Example:
              playkeeper journal --json

            Exit codes: 0 ok, 1 error, 2 usage.
            """)

    @OptionGroup var person: UserOption
    @Flag(help: "Print JSON on standard output.")
    var json = false

    func run() async throws {
        try await CommandRunner.run { app in
            let (mirror, user) = try await person.open(app)
            let entries = try await JournalRecord.query(on: mirror.database).filter(\.$user.$id == user.requireID())
                .sort(\.$createdAt, .descending).with(\.$playlist).all()
            let views = entries.map { DedupeViews.journal($0, playlist: $0.playlist) }
            if json {
                Output.result(MirrorViews.page(views, total: views.count, limit: views.count, offset: 0).serialized())
                return
            }
            if views.isEmpty { Output.progress("The journal is empty.") }
            for entry in entries {
                let playlist: PlaylistRecord? = entry.playlist
                Output.result(
                    "\(entry.id?.uuidString ?? "")  \(entry.kind.rawValue)  \(entry.status.label)  "
                        + "\(MirrorViews.date(entry.createdAt).stringValue ?? "")  \(playlist?.name ?? "")")
                if let recovery = entry.recovery { Output.result("    recovered: \(recovery)") }
            }
        }
    }
}

/// `playkeeper ignore add|remove URI URI`, `playkeeper ignore list`: the "not a duplicate" list.
struct IgnoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ignore",
        abstract: "Keep pairs of songs that are not duplicates out of every preview.",
        discussion: """
            Examples:
              playkeeper ignore add spotify:track:AAA spotify:track:BBB
              playkeeper ignore list --json

            Exit codes: 0 ok, 1 error, 2 usage.
            """)

    @Argument(help: "add, remove or list; add and remove take two track URIs.")
    var action: String
    @Argument(help: "The two track URIs of add and remove.")
    var uris: [String] = []
    @OptionGroup var person: UserOption
    @Flag(help: "Print JSON on standard output.")
    var json = false

    func run() async throws {
        try await CommandRunner.run { app in
            let (mirror, user) = try await person.open(app)
            let store = IgnoreList(database: mirror.database, user: user)
            switch action {
            case "add", "remove":
                guard uris.count == 2, uris[0] != uris[1] else {
                    throw PlaykeeperError(.invalid, "\(action) takes two different URIs")
                }
                if action == "add" {
                    try await store.add(uris[0], uris[1])
                } else {
                    try await store.remove(uris[0], uris[1])
                }
            case "list":
                guard uris.isEmpty else { throw PlaykeeperError(.invalid, "list takes no URIs") }
            default:
                throw PlaykeeperError(.invalid, "ignore takes add, remove or list, not '\(action)'")
            }
            let pairs = try await store.pairs()
            if json {
                Output.result(
                    JSONValue.object(["pairs": .array(pairs.map { [.string($0.first), .string($0.second)] })]).serialized())
            } else if action == "list" {
                if pairs.isEmpty { Output.progress("No pairs are ignored.") }
                pairs.forEach { Output.result("\($0.first) \($0.second)") }
            }
        }
    }
}
