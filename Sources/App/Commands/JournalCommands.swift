import ConsoleKit
import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import Store
import Vapor

/// `playkeeper undo JOURNAL_ID [--force]`.
struct UndoCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "journal", help: "The journal id that 'dedupe' printed.")
        var journal: String
        @Flag(name: "force", help: "Restore even though the playlist changed since.")
        var force: Bool
        @Option(name: "user", help: OptionHelp.user)
        var user: String?
        @Flag(name: "json", help: "Print the undo's journal entry as JSON.")
        var json: Bool
        init() {}
    }

    var help: String {
        """
        Restore a playlist's entries, in their original order, as they were before a dedupe or a unify update.

        Spotify cannot restore the original "added at" of re-added songs; for Liked Songs, re-saved songs go
        to the top with today's date. Refused when the playlist changed since, unless --force.

        Example:
          playkeeper undo 2B7E6F8A-1C2D-4E5F-9A0B-1C2D3E4F5A6B

        Exit codes: 0 restored, 1 error or refused (the playlist changed: use --force), 3 needs login, 5 another job runs.
        """
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        try await CommandRunner.run(context) {
            guard let id = UUID(uuidString: signature.journal) else {
                throw CommandFailure(.usage, "'\(signature.journal)' is not a journal id")
            }
            let session = try await DedupeSession.open(context, user: signature.user, origin: "undo")
            let journal = try await UserJobs.run(session.actions, wait: 600) {
                try await JournalUndo(database: session.mirror.database, client: session.service.client, user: session.user)
                    .undo(journalID: id, force: signature.force)
            }
            let playlist = try await PlaylistRecord.find(journal.$playlist.id, on: session.mirror.database)
            if signature.json {
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
struct JournalCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "user", help: OptionHelp.user)
        var user: String?
        @Flag(name: "json", help: OptionHelp.json)
        var json: Bool
        init() {}
    }

    var help: String {
        """
        List the changes Playkeeper made, newest first, with their status and what 'undo' can restore.

        Example:
          playkeeper journal --json

        Exit codes: 0 ok, 1 error, 2 usage.
        """
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        try await CommandRunner.run(context) {
            let mirror = try await MirrorContext.open(context.application)
            let user = try await mirror.user(signature.user)
            let entries = try await JournalRecord.query(on: mirror.database).filter(\.$user.$id == user.requireID())
                .sort(\.$createdAt, .descending).all()
            var views: [JSONValue] = []
            for entry in entries {
                views.append(
                    DedupeViews.journal(entry, playlist: try await PlaylistRecord.find(entry.$playlist.id, on: mirror.database)))
            }
            if signature.json {
                Output.result(MirrorViews.page(views, total: views.count, limit: views.count, offset: 0).serialized())
                return
            }
            if views.isEmpty { Output.progress("The journal is empty.") }
            for entry in entries {
                let playlist = try await PlaylistRecord.find(entry.$playlist.id, on: mirror.database)
                Output.result(
                    "\(entry.id?.uuidString ?? "")  \(entry.kind.rawValue)  \(entry.status.label)  "
                        + "\(MirrorViews.date(entry.createdAt).stringValue ?? "")  \(playlist?.name ?? "")")
                if let recovery = entry.recovery { Output.result("    recovered: \(recovery)") }
            }
        }
    }
}

/// `playkeeper ignore add|remove URI URI`, `playkeeper ignore list`: the "not a duplicate" list.
struct IgnoreCommand: PositionalCommand {
    struct Signature: CommandSignature {
        @Argument(name: "action", help: "add, remove or list; add and remove take two track URIs.")
        var action: String
        @Option(name: "user", help: OptionHelp.user)
        var user: String?
        @Flag(name: "json", help: OptionHelp.json)
        var json: Bool
        init() {}
    }

    var help: String {
        """
        Keep pairs of songs that are not duplicates out of every preview.

        Examples:
          playkeeper ignore add spotify:track:AAA spotify:track:BBB
          playkeeper ignore list --json

        Exit codes: 0 ok, 1 error, 2 usage.
        """
    }

    let positionalRange = 0...2

    func run(using context: inout CommandContext) async throws { try await runWithPositionals(&context) }

    func run(using context: CommandContext, signature: Signature, positionals uris: [String]) async throws {
        try await CommandRunner.run(context) {
            let mirror = try await MirrorContext.open(context.application)
            let user = try await mirror.user(signature.user)
            let store = IgnoreList(database: mirror.database, user: user)
            switch signature.action {
            case "add", "remove":
                guard uris.count == 2, uris[0] != uris[1] else {
                    throw CommandFailure(.usage, "\(signature.action) takes two different URIs")
                }
                if signature.action == "add" {
                    try await store.add(uris[0], uris[1])
                } else {
                    try await store.remove(uris[0], uris[1])
                }
            case "list":
                break
            default:
                throw CommandFailure(.usage, "ignore takes add, remove or list, not '\(signature.action)'")
            }
            let pairs = try await store.pairs()
            if signature.json {
                Output.result(
                    JSONValue.object(["pairs": .array(pairs.map { [.string($0.first), .string($0.second)] })]).serialized())
            } else if signature.action == "list" {
                if pairs.isEmpty { Output.progress("No pairs are ignored.") }
                pairs.forEach { Output.result("\($0.first) \($0.second)") }
            }
        }
    }
}
