import Foundation
import Logging
import SpotifyWebAPI
import Library
import Vapor

/// What every route and job of `playkeeper serve` shares.
public struct ServerContext: Sendable {
    public let settings: ServerSettings
    public let mirror: MirrorContext
    public let api: SpotifyAPI
    public let metrics: ServiceMetrics
    public let scheduler: JobScheduler
    let callers = CallerCache()
    /// The time of sessions, login states and the scheduler: the one clock, injected with the API (`api.clock`).
    public let now: @Sendable () -> Date

    public init(
        settings: ServerSettings, mirror: MirrorContext, api: SpotifyAPI, metrics: ServiceMetrics,
        logger: Logger = Logger(label: "playkeeper.jobs")
    ) {
        self.settings = settings
        self.mirror = mirror
        self.api = api
        self.metrics = metrics
        self.now = { [clock = api.clock] in clock.now }
        self.scheduler = JobScheduler(mirror: mirror, api: api, metrics: metrics, settings: settings, logger: logger)
    }
}

struct ServerContextKey: StorageKey {
    typealias Value = ServerContext
}

extension Application {
    /// The service's shared context (not to be confused with Vapor's HTTP `server`).
    var service: ServerContext {
        guard let context = storage[ServerContextKey.self] else { fatalError("Server.configure(_:context:) was not called") }
        return context
    }
}

extension Request {
    var service: ServerContext { application.service }
}

extension Request {
    /// The entry point into the caller's library, for the API (`origin` "the API") and the page ("the page").
    func userActions(origin: String) throws -> UserActions {
        let caller = try requireCaller()
        return UserJobs.actions(caller.user, context: service.mirror, api: service.api, origin: origin, logger: logger)
    }
}
