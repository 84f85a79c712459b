import Foundation
import SpotifyWebAPI
import Store

/// The playlists made from listening, through the entry point: the CLI, the API, the page and the scheduler call
/// these. Reads settle interrupted changes first; changes take the person's lease and sync first, so that a rule
/// naming a playlist made a minute ago finds it and every plan starts from the playlists as Spotify has them.
extension UserActions {
    /// The person's smart playlists, with their store's play length.
    public var smartService: SmartService {
        var service = SmartService(database: database, client: client, user: user)
        service.minimumMS = countsAfterMS
        service.logger = logger
        return service
    }

    /// The built-ins and the person's own rules, after settling.
    public func smartList(wait: Double) async throws -> [SmartPlaylistView] {
        try await settle(wait: wait)
        return try await smartService.list()
    }

    /// One smart playlist and a preview of its next update, after settling.
    public func smartShow(_ key: String, wait: Double) async throws -> (view: SmartPlaylistView, preview: SmartReport) {
        try await settle(wait: wait)
        let service = smartService
        return (try await service.view(key), try await service.preview(key))
    }

    /// What an update of `key` (or of a rule not stored, `proposed`) would write, from the mirror as it is.
    public func smartPreview(_ key: String?, proposed: SmartSettings? = nil, wait: Double) async throws -> SmartReport {
        try await settle(wait: wait)
        return try await smartService.preview(key, proposed: proposed)
    }

    /// Stores a rule of the person's own, then creates its playlist. `rule` is read after the sync, so that it can
    /// name a playlist made a minute ago.
    public func smartAdd(
        name: String, keepAppEdits: Bool, wait: Double, rule: @escaping @Sendable () async throws -> SmartRule
    ) async throws -> SmartReport {
        let service = smartService
        return try await exclusive(wait: wait) { lease in
            _ = try await syncHoldingLease(lease, concurrency: 8)
            let view = try await service.add(name: name, rule: try await rule(), keepAppEdits: keepAppEdits)
            return try await service.update(view.key)
        }
    }

    /// Turns a smart playlist on (and brings it up to date at once, creating it when needed) or off (its playlist
    /// stays in Spotify as it is). `keepAppEdits` changes what happens to the person's edits in the app.
    public func smartSetEnabled(_ key: String, _ enabled: Bool, keepAppEdits: Bool? = nil, wait: Double) async throws
        -> (view: SmartPlaylistView, report: SmartReport?)
    {
        let service = smartService
        return try await exclusive(wait: wait) { lease in
            guard enabled else { return (try await service.change(key, enabled: false, keepAppEdits: keepAppEdits), nil) }
            _ = try await syncHoldingLease(lease, concurrency: 8)
            let view = try await service.change(key, enabled: true, keepAppEdits: keepAppEdits)
            return (view, try await service.update(key))
        }
    }

    /// Stores a rule of the person's own without writing to Spotify (the API's and the page's: an update job
    /// creates its playlist). The mirror is read as it is, after settling.
    public func smartStore(
        name: String, keepAppEdits: Bool, wait: Double, rule: @escaping @Sendable () async throws -> SmartRule
    ) async throws -> SmartPlaylistView {
        let service = smartService
        return try await exclusive(wait: wait) { _ in
            try await service.add(name: name, rule: try await rule(), keepAppEdits: keepAppEdits)
        }
    }

    /// Changes a smart playlist without writing to Spotify: on or off, the person's edits, a rule of their own.
    public func smartChange(
        _ key: String, enabled: Bool?, keepAppEdits: Bool?, wait: Double,
        rule: (@Sendable () async throws -> SmartRule)? = nil
    ) async throws -> SmartPlaylistView {
        let service = smartService
        return try await exclusive(wait: wait) { _ in
            try await service.change(key, enabled: enabled, keepAppEdits: keepAppEdits, rule: try await rule?())
        }
    }

    /// Forgets a smart playlist; its playlist stays in Spotify, no longer kept.
    public func smartRemove(_ key: String, wait: Double) async throws -> SmartPlaylistView {
        let service = smartService
        return try await exclusive(wait: wait) { _ in try await service.remove(key) }
    }

    /// When `smartUpdate` brings a smart playlist up to date.
    public enum SmartUpdateMode: Sendable {
        /// On request: every one named (or every one on), whatever changed.
        case always
        /// After a poll or an import: only one whose result changed, and not within `interval` of its last update.
        case whenDue(interval: TimeInterval)
    }

    /// Syncs, then brings the named smart playlists (all that are on when `keys` is nil) to their rules' results,
    /// under one lease. A due check that finds nothing to do reads nothing from Spotify.
    public func smartUpdate(_ keys: [String]?, mode: SmartUpdateMode, wait: Double) async throws -> [SmartReport] {
        let service = smartService
        if case .whenDue(let interval) = mode {
            try await settle(wait: wait)
            let due = try await service.dueKeys(interval: interval)
            guard !due.isEmpty else { return [] }
            return try await exclusive(wait: wait) { lease in
                _ = try await syncHoldingLease(lease, concurrency: 8)
                var reports: [SmartReport] = []
                for key in due { reports.append(try await service.update(key)) }
                return reports
            }
        }
        return try await exclusive(wait: wait) { lease in
            var chosen = keys ?? []
            if keys == nil { chosen = try await service.enabledKeys() }
            _ = try await syncHoldingLease(lease, concurrency: 8)
            var reports: [SmartReport] = []
            for key in chosen { reports.append(try await service.update(key)) }
            return reports
        }
    }
}
