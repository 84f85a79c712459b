import FluentKit
import Foundation
import Library
import Store

/// A rule as a person writes it, in the same words on the command line, in the API's JSON and in the page's form:
/// every field optional and checked here, playlists named by id, URI, URL or name.
struct SmartRuleInput: Sendable, Equatable {
    /// `history`, `liked`, `all-playlists`, or playlists.
    var from: [String] = []
    var window: String?
    var minPlays: Int?
    var maxPlays: Int?
    var minMSPlayed: Int?
    var notPlayedFor: Int?
    var skipped: String?
    var newInWindow: Bool?
    var excludeArtists: [String] = []
    var excludePlaylists: [String] = []
    var order: String?
    var ranked: Bool?
    var limit: Int?
    var match: String?

    static let keywords: [String: SmartRule.Source] = ["history": .history, "liked": .liked, "all-playlists": .allPlaylists]

    /// The rule, its playlists resolved to Spotify ids by `resolve`; `field` names a field as its caller spells it
    /// (`--min-plays`, `'min_plays'`).
    func rule(field: (String) -> String, resolve: (String) async throws -> String) async throws -> SmartRule {
        var sources: [SmartRule.Source] = []
        for text in from.isEmpty ? ["history"] : from {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if let keyword = Self.keywords[trimmed.lowercased()] {
                sources.append(keyword)
            } else {
                sources.append(.playlist(try await resolve(trimmed)))
            }
        }
        var excluded: [String] = []
        for text in excludePlaylists { excluded.append(try await resolve(text.trimmingCharacters(in: .whitespaces))) }
        let order = try order.map { try SettingParsers.choice(SmartRule.Order.self, $0, field: field("order"), kind: .invalid) }
        return SmartRule(
            sources: sources, window: window ?? "30d", minPlays: minPlays, maxPlays: maxPlays, minMSPlayed: minMSPlayed,
            skipped: try skipped.map {
                try SettingParsers.choice(SmartRule.Skips.self, $0, field: field("skipped"), kind: .invalid)
            }
                ?? .any,
            notPlayedForDays: notPlayedFor, newInWindow: newInWindow ?? false,
            excludeArtists: excludeArtists.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
            excludePlaylists: excluded, order: order ?? .plays, ranked: ranked, limit: limit ?? 50,
            match: try match.map { try SettingParsers.match($0, field: field("match")) } ?? .exact)
    }

    /// Resolves a playlist reference in the person's mirror (not Liked Songs: that is the `liked` source).
    static func resolver(user: UserRecord, on database: any Database) -> @Sendable (String) async throws -> String {
        { text in
            do {
                let playlist = try await PlaylistReference.resolve(text, user: user, on: database)
                guard !playlist.isLiked else { throw PlaykeeperError(.invalid, "name Liked Songs as the source 'liked'") }
                return playlist.spotifyID
            } catch let error as PlaykeeperError where error.kind == .failed {
                throw PlaykeeperError(.invalid, error.message)
            }
        }
    }
}
