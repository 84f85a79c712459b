import FluentKit
import Foundation
import Library
import Logging
import PlaykeeperJSON
import SpotifyWebAPI
import Store
import Vapor

/// Runs every user's jobs: the hourly token refresh, the periodic sync (then the unified update when its
/// sources changed), and the syncs people start. Jobs live in the database, so a restart resumes them, and
/// one user's failure never blocks another's.
public actor JobScheduler {
    let mirror: MirrorContext
    let api: SpotifyAPI
    let metrics: ServiceMetrics
    let settings: ServerSettings
    let now: @Sendable () -> Date
    let logger: Logger
    /// Jobs running now, by id.
    private var running: [UUID: Task<Void, Never>] = [:]
    private var busyUsers: Set<UUID> = []
    private var loop: Task<Void, Never>?
    private var stopping = false
    /// At most this many users' jobs run at once; they share one request budget anyway.
    let parallelUsers = 4
    /// A job interrupted this many times (restarts mid-job) is given up.
    static let maxAttempts = 3

    init(
        mirror: MirrorContext, api: SpotifyAPI, metrics: ServiceMetrics, settings: ServerSettings,
        now: @escaping @Sendable () -> Date, logger: Logger
    ) {
        self.mirror = mirror
        self.api = api
        self.metrics = metrics
        self.settings = settings
        self.now = now
        self.logger = logger
    }

    var database: any Database { mirror.database }

    // MARK: Life cycle

    /// Resumes jobs a previous process left running, then (with `loop`) looks for due jobs every tick.
    public func start(loop runLoop: Bool = true) async throws {
        let interrupted = try await JobRecord.query(on: database).filter(\.$status == "running").all()
        for job in interrupted {
            job.attempts += 1
            if job.attempts >= Self.maxAttempts {
                job.status = "failed"
                job.error = "interrupted \(job.attempts) times by restarts; given up"
                job.finishedAt = now()
            } else {
                job.status = "queued"
                job.runAfter = now()
            }
            try await job.save(on: database)
        }
        if !interrupted.isEmpty { logger.info("resuming \(interrupted.count) job(s) a previous run left unfinished") }
        guard runLoop else { return }
        let tick = settings.tick
        loop = Task { [weak self] in
            while !Task.isCancelled {
                await self?.runDue()
                try? await Task.sleep(nanoseconds: UInt64(tick * 1_000_000_000))
            }
        }
    }

    /// Stops taking jobs, lets running ones finish within the grace period, then stops them safely: a
    /// stopped job goes back to the queue and the next start resumes it.
    public func stop() async {
        stopping = true
        loop?.cancel()
        let deadline = Date().addingTimeInterval(settings.shutdownGrace)
        while !running.isEmpty && Date() < deadline { try? await Task.sleep(nanoseconds: 100_000_000) }
        for task in running.values { task.cancel() }
        for task in running.values { await task.value }
    }

    /// Waits until no job runs (tests).
    public func waitUntilIdle() async {
        while let task = running.values.first { await task.value }
    }

    // MARK: Queue

    /// Queues a job to run now. A person cannot queue a second sync while one is queued or running: 409.
    public func enqueue(user: UserRecord, kind: String, trigger: String) async throws -> JobRecord {
        let userID = try user.requireID()
        if let pending = try await JobRecord.query(on: database).filter(\.$user.$id == userID).filter(\.$kind == kind)
            .filter(\.$status ~~ ["queued", "running"]).filter(\.$runAfter <= now()).first()
        {
            throw APIError(.conflict, "a \(kind) of yours is already \(pending.status) (job \(pending.id!.uuidString))")
        }
        let job = Self.job(user: userID, kind: kind, trigger: trigger, at: now())
        try await job.create(on: database)
        await runDue()
        return job
    }

    static func job(user: UUID, kind: String, trigger: String, at date: Date) -> JobRecord {
        let job = JobRecord()
        job.$user.id = user
        job.kind = kind
        job.status = "queued"
        job.trigger = trigger
        job.runAfter = date
        job.attempts = 0
        job.createdAt = date
        return job
    }

    /// One pass: plans each user's next scheduled jobs, then starts the due ones, one per user at a time.
    public func runDue() async {
        guard !stopping else { return }
        do {
            try await schedulePeriodicJobs()
            let due = try await JobRecord.query(on: database).filter(\.$status == "queued").filter(\.$runAfter <= now())
                .sort(\.$runAfter).all()
            for job in due {
                guard running.count < parallelUsers else { break }
                guard let id = job.id, !busyUsers.contains(job.$user.id), running[id] == nil else { continue }
                busyUsers.insert(job.$user.id)
                // Claimed in this pass, before its task starts: whoever queued it sees it running at once.
                job.status = "running"
                job.startedAt = now()
                do {
                    try await job.save(on: database)
                } catch {
                    busyUsers.remove(job.$user.id)
                    throw error
                }
                running[id] = Task { await self.execute(job) }
            }
        } catch {
            logger.error("the scheduler could not read its jobs: \(String(describing: error))")
        }
    }

    /// Every user who can be served has a queued refresh and a queued sync, due an interval after the last.
    private func schedulePeriodicJobs() async throws {
        for user in try await UserRecord.query(on: database).filter(\.$needsLogin == false).all() {
            let userID = try user.requireID()
            for (kind, interval) in [("refresh", settings.refreshInterval), ("sync", settings.syncInterval)] {
                let pending = try await JobRecord.query(on: database).filter(\.$user.$id == userID).filter(\.$kind == kind)
                    .filter(\.$status ~~ ["queued", "running"]).count()
                guard pending == 0 else { continue }
                let last = try await JobRecord.query(on: database).filter(\.$user.$id == userID).filter(\.$kind == kind)
                    .filter(\.$finishedAt != nil).sort(\.$finishedAt, .descending).first()
                let from = last?.finishedAt ?? user.authorizedAt ?? now()
                try await Self.job(user: userID, kind: kind, trigger: "schedule", at: from.addingTimeInterval(interval))
                    .create(on: database)
            }
        }
    }

    // MARK: Running

    private func execute(_ job: JobRecord) async {
        await run(job)
        running[job.id!] = nil
        busyUsers.remove(job.$user.id)
        // The user may have more due jobs (a sync waiting behind a refresh): start them now, not a tick later.
        if !Task.isCancelled { await runDue() }
    }

    private func run(_ job: JobRecord) async {
        let started = Date()
        do {
            guard let user = try await UserRecord.find(job.$user.id, on: database) else { return }
            let result = try await perform(job.kind, for: user, started: started)
            // A sync stopped midway may return what it managed: it is not done, the next start resumes it.
            if Task.isCancelled { throw CancellationError() }
            job.status = "succeeded"
            job.result = result.serialized()
            job.error = nil
        } catch {
            if Task.isCancelled || error is CancellationError {
                // Stopped by a shutdown: back to the queue, resumed by the next start.
                job.status = "queued"
                job.startedAt = nil
                try? await job.save(on: database)
                metrics.recordJob(kind: job.kind, outcome: "interrupted")
                return
            }
            job.status = "failed"
            job.error = APIError.from(error).message
            logger.warning("\(job.kind) job \(job.id!) failed: \(job.error ?? "")")
        }
        job.finishedAt = now()
        try? await job.save(on: database)
        metrics.recordJob(kind: job.kind, outcome: job.status)
    }

    private func perform(_ kind: String, for user: UserRecord, started: Date) async throws -> JSONValue {
        guard !user.needsLogin else {
            throw SpotifyError.reauthorizationRequired(user: user.spotifyID, detail: "the person must log in again")
        }
        switch kind {
        case "refresh":
            do {
                let token = try await api.tokens.refreshIfExpiring(for: user.spotifyID, within: .infinity)
                return ["expires_at": MirrorViews.date(token.expiresAt)]
            } catch SpotifyError.reauthorizationRequired(let who, let detail) {
                try await mirror.tokens.markNeedsLogin(who)
                throw SpotifyError.reauthorizationRequired(user: who, detail: detail)
            }
        case "sync", "unify":
            let database = self.database
            let mirror = self.mirror
            let api = self.api
            let metrics = self.metrics
            return try await UserJobs.run(user: user.spotifyID, on: database, wait: 600) {
                var result: JSONObject = [:]
                do {
                    let report = try await UserJobs.syncHoldingLease(
                        user: user.spotifyID, context: mirror, api: api, concurrency: 4)
                    metrics.recordSync(seconds: Date().timeIntervalSince(started), outcome: "succeeded")
                    result["sync"] = try JSONValue(encoding: report)
                } catch {
                    metrics.recordSync(seconds: Date().timeIntervalSince(started), outcome: "failed")
                    throw error
                }
                let unified = UnifiedService(database: database, client: api.client(for: user.spotifyID), user: user)
                // A requested update always runs; after a scheduled sync, only when its sources changed.
                let due = kind == "unify" ? true : try await unified.scheduledUpdateIsDue()
                if due {
                    result["unified"] = try UnifiedViews.json(try await unified.update())
                }
                return .object(result)
            }
        default:
            throw APIError(.unprocessableEntity, "unknown job kind '\(kind)'")
        }
    }
}
