import FluentKit
import Foundation
import Library
import Logging
import PlaykeeperJSON
import SQLKit
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
    /// The API's clock (`api.clock`), which tests inject.
    let now: @Sendable () -> Date
    let logger: Logger
    /// Settling interrupted changes at start-up.
    private var startupRecovery: Task<Void, Never>?
    /// When the retention rules last ran (every hour, by whichever instance looks).
    private var retainedAt: Date?
    /// Jobs running now, by id.
    private var running: [UUID: Task<Void, Never>] = [:]
    private var busyUsers: Set<UUID> = []
    private var loop: Task<Void, Never>?
    private var stopping = false
    /// At most this many users' jobs run at once; they share one request budget anyway.
    let parallelUsers = 4
    /// A job interrupted this many times (restarts mid-job) is given up.
    static let maxAttempts = 3
    /// This instance, as its claimed jobs name it.
    let instance = "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8))"

    init(
        mirror: MirrorContext, api: SpotifyAPI, metrics: ServiceMetrics, settings: ServerSettings, logger: Logger
    ) {
        self.mirror = mirror
        self.api = api
        self.metrics = metrics
        self.settings = settings
        self.now = { [clock = api.clock] in clock.now }
        self.logger = logger
    }

    var database: any Database { mirror.database }

    // MARK: Life cycle

    /// Resumes jobs whose instance is gone (its lease expired), then (with `loop`) looks for due jobs every tick.
    /// A job another live instance runs is left to it.
    public func start(loop runLoop: Bool = true) async throws {
        let resumed = try await takeOverExpiredLeases()
        if resumed > 0 { logger.info("resuming \(resumed) job(s) an instance that is gone left unfinished") }
        startupRecovery = Task { await self.recoverInterruptedChanges() }
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
        // The running jobs finish, or, once the grace period is over, are stopped (and go back to the queue).
        let tasks = Array(running.values)
        let grace = settings.shutdownGrace
        let deadline = Task {
            try await Task.sleep(nanoseconds: UInt64(grace * 1_000_000_000))
            for task in tasks { task.cancel() }
        }
        for task in tasks { await task.value }
        deadline.cancel()
    }

    /// At start-up, settles every person's interrupted changes, each through the entry point (so under their
    /// lease: a change another live instance is still making is waited for, not mistaken for an interrupted one).
    private func recoverInterruptedChanges() async {
        let people: [UserRecord]
        do {
            let ids = try await UserActions.peopleWithChangesToSettle(on: database)
            guard !ids.isEmpty else { return }
            people = try await UserRecord.query(on: database).filter(\.$id ~~ ids).filter(\.$needsLogin == false).all()
        } catch {
            logger.warning("could not look for interrupted changes: \(PlaykeeperError.from(error).message)")
            return
        }
        for user in people {
            do {
                let actions = UserJobs.actions(user, context: mirror, api: api, origin: "the service's start", logger: logger)
                try await actions.settle(wait: 600)
            } catch {
                logger.warning(
                    "could not settle an interrupted change of \(user.spotifyID): \(PlaykeeperError.from(error).message)")
            }
        }
    }

    /// Waits until no job runs and the start-up recovery is done (tests).
    /// Waits until the job that this instance runs finishes, or `seconds` pass, whichever comes first. A job this
    /// instance does not run returns at once.
    public func waitForJob(_ id: UUID, atMost seconds: Double) async {
        guard let task = running[id] else { return }
        let first = FirstOf()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            first.set(continuation)
            Task {
                await task.value
                first.resume()
            }
            Task {
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
                first.resume()
            }
        }
    }

    public func waitUntilIdle() async {
        await startupRecovery?.value
        while let task = running.values.first { await task.value }
    }

    // MARK: Queue

    /// Queues a job to run now. A person has one pending job of each kind: one that is running or due answers
    /// 409; one scheduled for later runs now instead.
    public func enqueue(user: UserRecord, kind: JobKind, trigger: String) async throws -> JobRecord {
        let userID = try user.requireID()
        let key = JobRecord.pendingKey(user: userID, kind: kind)
        let busy = { (job: JobRecord) in
            PlaykeeperError(
                .conflict, "a \(kind.rawValue) of yours is already \(job.status.rawValue) (job \(job.id?.uuidString ?? ""))")
        }
        // Twice at most: when another instance queues this person's job between the look and the insert (the
        // unique pending key refuses ours), that job is the pending one, and is pulled forward like any other.
        for attempt in 1...2 {
            if let pending = try await JobRecord.query(on: database).filter(\.$pendingKey == key).first() {
                guard pending.status == .queued, pending.runAfter > now() else { throw busy(pending) }
                pending.runAfter = now()
                pending.trigger = trigger
                try await pending.save(on: database)
                await runDue()
                return pending
            }
            let job = Self.job(user: userID, kind: kind, trigger: trigger, at: now())
            do {
                try await job.create(on: database)
            } catch {
                let queued = try await JobRecord.query(on: database).filter(\.$pendingKey == key).count() > 0
                if attempt == 1, queued { continue }
                throw error
            }
            await runDue()
            return job
        }
        throw PlaykeeperError(.conflict, "a \(kind.rawValue) of yours was queued by another instance meanwhile; try again")
    }

    static func job(user: UUID, kind: JobKind, trigger: String, at date: Date) -> JobRecord {
        let job = JobRecord()
        job.$user.id = user
        job.kind = kind
        job.pendingKey = JobRecord.pendingKey(user: user, kind: kind)
        job.status = .queued
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
            try await applyRetention()
            try await schedulePeriodicJobs()
            _ = try await takeOverExpiredLeases()
            let due = try await JobRecord.query(on: database).filter(\.$status == .queued).filter(\.$runAfter <= now())
                .sort(\.$runAfter).all()
            for job in due {
                guard running.count < parallelUsers else { break }
                guard let id = job.id, !busyUsers.contains(job.$user.id), running[id] == nil else { continue }
                busyUsers.insert(job.$user.id)
                // Claimed in this pass, before its task starts, so whoever queued it sees it running at once; and
                // claimed by a conditional update, which only one instance can win.
                guard let claimed = try await claim(id) else {
                    busyUsers.remove(job.$user.id)
                    continue
                }
                running[id] = Task { await self.execute(claimed) }
            }
        } catch {
            logger.error("the scheduler could not read its jobs: \(String(describing: error))")
        }
    }

    /// Deletes what the store keeps no longer (`Retention`), once an hour.
    private func applyRetention() async throws {
        let now = now()
        if let last = retainedAt, now.timeIntervalSince(last) < 3600 { return }
        retainedAt = now
        let removed = try await Retention.apply(on: database, now: now).filter { $0.value > 0 }
        if !removed.isEmpty {
            logger.info(
                "retention removed \(removed.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))")
        }
    }

    /// Every user who can be served has a queued refresh, sync and plays poll, due an interval after the last. Three
    /// queries whatever the number of people; the unique pending key keeps two instances from queuing one twice.
    private func schedulePeriodicJobs() async throws {
        let users = try await UserRecord.query(on: database).filter(\.$needsLogin == false).all()
        guard !users.isEmpty else { return }
        let pending = Set(
            try await JobRecord.query(on: database).filter(\.$pendingKey != nil).all(\.$pendingKey).compactMap { $0 })
        struct Last: Decodable {
            var user_id: UUID
            var kind: String
            var finished: Date?
        }
        let last = try await database.sql().select().column("user_id").column("kind")
            .column(SQLFunction("MAX", args: SQLColumn("finished_at")), as: "finished").from(JobRecord.schema)
            .where("finished_at", .isNot, SQLLiteral.null).groupBy("user_id").groupBy("kind").all(decoding: Last.self)
        let finished = Dictionary(
            last.map { ("\($0.user_id.uuidString)|\($0.kind)", $0.finished) }, uniquingKeysWith: { a, _ in a })
        for user in users {
            let userID = try user.requireID()
            let periodic = [
                (JobKind.refresh, settings.refreshInterval), (.sync, settings.syncInterval), (.plays, settings.playsInterval),
            ]
            for (kind, interval) in periodic {
                let key = JobRecord.pendingKey(user: userID, kind: kind)
                guard !pending.contains(key) else { continue }
                let from = (finished[key] ?? nil) ?? user.authorizedAt ?? now()
                do {
                    try await Self.job(user: userID, kind: kind, trigger: "schedule", at: from.addingTimeInterval(interval))
                        .create(on: database)
                } catch {
                    // Another instance queued it a moment ago (the unique pending key); anything else is an error.
                    guard try await JobRecord.query(on: database).filter(\.$pendingKey == key).count() > 0 else { throw error }
                }
            }
        }
    }

    // MARK: Leases

    /// Claims a queued job for this instance. Only one instance's conditional update finds it still queued; the
    /// others read back another claimant and leave it.
    private func claim(_ id: UUID) async throws -> JobRecord? {
        let at = now()
        try await JobRecord.query(on: database).filter(\.$id == id).filter(\.$status == .queued)
            .set(\.$status, to: .running).set(\.$claimedBy, to: instance).set(\.$heartbeatAt, to: at)
            .set(\.$startedAt, to: at).update()
        guard let job = try await JobRecord.find(id, on: database), job.status == .running, job.claimedBy == instance
        else { return nil }
        return job
    }

    /// Puts back in the queue (or gives up, past `maxAttempts`) every running job whose heartbeat is older than the
    /// lease: its instance is gone. Each by an update conditional on the job still being running and stale, so that
    /// a job whose instance renewed it meanwhile, or that another instance took over first, is left alone.
    /// Returns how many it found.
    private func takeOverExpiredLeases() async throws -> Int {
        let expiry = now().addingTimeInterval(-settings.jobLease)
        var taken = 0
        for job in try await Self.stale(JobRecord.query(on: database), expiry: expiry).all() {
            guard let id = job.id, running[id] == nil else { continue }
            let attempts = job.attempts + 1
            var update = Self.stale(
                JobRecord.query(on: database).filter(\.$id == id).filter(\.$attempts == job.attempts), expiry: expiry)
            update = update.set(\.$attempts, to: attempts).set(\.$claimedBy, to: nil)
            if attempts >= Self.maxAttempts {
                update = update.set(\.$status, to: .failed).set(\.$pendingKey, to: nil).set(\.$finishedAt, to: now())
                    .set(\.$error, to: "interrupted \(attempts) times (its instance stopped); given up")
            } else {
                update = update.set(\.$status, to: .queued).set(\.$runAfter, to: now()).set(\.$startedAt, to: nil)
            }
            try await update.update()
            taken += 1
        }
        return taken
    }

    /// Running jobs whose heartbeat is missing (an older version's) or older than `expiry`.
    private static func stale(_ query: QueryBuilder<JobRecord>, expiry: Date) -> QueryBuilder<JobRecord> {
        query.filter(\.$status == .running).group(.or) { $0.filter(\.$heartbeatAt == nil).filter(\.$heartbeatAt < expiry) }
    }

    /// Renews a running job's heartbeat every quarter lease, while this instance runs it.
    private func heartbeat(_ id: UUID) -> Task<Void, Never> {
        let (database, instance, now) = (self.database, self.instance, self.now)
        let every = settings.jobLease / 4
        return Task {
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(every * 1_000_000_000))
                if Task.isCancelled { break }
                try? await JobRecord.query(on: database).filter(\.$id == id).filter(\.$claimedBy == instance)
                    .set(\.$heartbeatAt, to: now()).update()
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
        let started = now()
        let beat = heartbeat(job.id!)
        defer { beat.cancel() }
        do {
            guard let user = try await UserRecord.find(job.$user.id, on: database) else { return }
            let result = try await perform(job.kind, for: user, started: started)
            // A sync stopped midway may return what it managed: it is not done, the next start resumes it.
            if Task.isCancelled { throw CancellationError() }
            job.status = .succeeded
            job.result = result.serialized()
            job.error = nil
            logger.info("\(job.kind.rawValue) job \(job.id!) succeeded", metadata: ["instance": "\(instance)"])
        } catch {
            if Task.isCancelled || error is CancellationError {
                // Stopped by a shutdown: back to the queue, resumed by the next start.
                job.status = .queued
                job.startedAt = nil
                job.claimedBy = nil
                try? await job.save(on: database)
                metrics.recordJob(kind: job.kind.rawValue, outcome: "interrupted")
                return
            }
            job.status = .failed
            job.error = PlaykeeperError.from(error).message
            logger.warning("\(job.kind.rawValue) job \(job.id!) failed: \(job.error ?? "")")
        }
        job.finishedAt = now()
        job.claimedBy = nil
        job.pendingKey = nil
        try? await job.save(on: database)
        metrics.recordJob(kind: job.kind.rawValue, outcome: job.status.rawValue)
    }

    private func perform(_ kind: JobKind, for user: UserRecord, started: Date) async throws -> JSONValue {
        guard !user.needsLogin else {
            throw SpotifyError.reauthorizationRequired(user: user.spotifyID, detail: "the person must log in again")
        }
        switch kind {
        case .refresh:
            let actions = UserJobs.actions(user, context: mirror, api: api, origin: "the scheduler's refresh job", logger: logger)
            let token = try await actions.refreshToken()
            return ["expires_at": MirrorViews.date(token.expiresAt)]
        case .plays:
            let actions = UserJobs.actions(user, context: mirror, api: api, origin: "the scheduler's plays job", logger: logger)
            let polled = try await actions.pollPlays()
            var result: JSONObject = ["plays": try JSONValue(encoding: polled, snakeCase: true)]
            // The poll, or an import since the last one, may have changed what a smart playlist holds.
            let smart = try await actions.smartUpdate(nil, mode: .whenDue(interval: settings.smartInterval), wait: 600)
            if !smart.isEmpty { result["smart"] = .array(smart.map(SmartViews.report)) }
            return .object(result)
        case .smart:
            let actions = UserJobs.actions(user, context: mirror, api: api, origin: "the scheduler's smart job", logger: logger)
            return .array(try await actions.smartUpdate(nil, mode: .always, wait: 600).map(SmartViews.report))
        case .sync, .unify:
            let mirror = self.mirror
            let api = self.api
            let metrics = self.metrics
            let actions = UserJobs.actions(
                user, context: mirror, api: api, origin: "the scheduler's \(kind) job", logger: logger)
            // A requested update always runs; after a scheduled sync, only when its sources changed.
            let mode: UserActions.UnifyMode = kind == .unify ? .always : .whenSourcesChanged
            do {
                let (report, unified) = try await actions.unify(wait: 600, concurrency: 4, mode: mode)
                metrics.recordSync(seconds: report.seconds, outcome: "succeeded")
                var result: JSONObject = ["sync": try JSONValue(encoding: report)]
                if let unified { result["unified"] = try UnifiedViews.json(unified) }
                return .object(result)
            } catch {
                metrics.recordSync(seconds: now().timeIntervalSince(started), outcome: "failed")
                throw error
            }
        }
    }
}

/// Resumes a continuation once, on the first of several events.
private final class FirstOf: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, Never>?

    func set(_ continuation: CheckedContinuation<Void, Never>) { lock.withLock { self.continuation = continuation } }

    func resume() {
        let pending = lock.withLock {
            let pending = continuation
            continuation = nil
            return pending
        }
        pending?.resume()
    }
}
