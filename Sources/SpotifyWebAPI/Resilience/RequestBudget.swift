import Foundation

/// What the budget has learned of the app's rate limit: kept in the store, so that the next process starts from it.
public struct LearnedRate: Sendable, Equatable {
    /// Requests per window the budget allows now.
    public var limit: Int
    /// How many requests Spotify had accepted in the window when it last answered 429: the limit the budget
    /// knows to be real. Nil until a 429 was seen.
    public var observed: Int?
    public var updatedAt: Date

    public init(limit: Int, observed: Int?, updatedAt: Date) {
        self.limit = limit
        self.observed = observed
        self.updatedAt = updatedAt
    }
}

/// Where a budget's learned rate is kept between processes (the store, in the app).
public protocol LearnedRateStore: Sendable {
    func load() async throws -> LearnedRate?
    func save(_ rate: LearnedRate) async throws
}

/// One request budget for the whole app: a rolling window (30 s) holding at most `limit` requests, where `limit`
/// is learned as congestion control learns a link's capacity.
///
/// Spotify rate-limits per app over a rolling 30-second window whose size it does not publish and which differs
/// between apps, so every call of every user goes through this one budget, and:
/// - it starts from `SPOTIFY_REQUEST_BUDGET`, or from what an earlier process learned;
/// - until a 429 has been seen it doubles whenever the window is full (as TCP's slow start does), and after one
///   it grows by one request per window's worth that it held back, and within 5 % of the limit Spotify showed by
///   one per ten (gently: each 429 costs the requests in flight);
/// - a 429 cuts it to 85 % of what Spotify had accepted in the window (sharply, and below the real limit) and
///   pauses every caller for its `Retry-After`;
/// - `ceiling` (`SPOTIFY_REQUEST_BUDGET_MAX`) caps the growth.
///
/// A `QUOTA_EXCEEDED` 429 is no rate signal and never reaches the budget (the client stops the work instead).
public actor RequestBudget {
    public let window: Double
    public let ceiling: Int
    /// The rate allowed now, in requests per window.
    public private(set) var limit: Int
    /// What Spotify accepted in the window at the last 429; nil until one.
    public private(set) var observed: Int?
    /// Seconds the budget was paused by 429s (overlapping pauses counted once).
    public private(set) var rateLimitWait: Double = 0
    /// 429s that cut the budget.
    public private(set) var cuts = 0

    /// After a 429 the budget is this share of what Spotify had accepted.
    public static let cutFactor = 0.85
    /// The budget's window is this much longer than Spotify's: a request is counted when it leaves, and Spotify
    /// counts it when it arrives.
    static let margin = 0.5

    private let clock: any WallClock
    private let store: (any LearnedRateStore)?
    private var loading: Task<Void, Never>?
    private var sent: [Date] = []
    private var head = 0
    private var pausedUntil: Date?
    /// Requests sent since the limit last changed, and whether any of them had to wait for the budget: it grows
    /// only when it was what held the work back.
    private var sentSinceChange = 0
    private var waitedSinceChange = false
    private var saving: Task<Void, Never>?
    private var unsaved = false

    /// - Parameters:
    ///   - limit: requests allowed in any window, to begin with (`SPOTIFY_REQUEST_BUDGET`).
    ///   - ceiling: the most it grows to (`SPOTIFY_REQUEST_BUDGET_MAX`); `limit` is lowered to it.
    ///   - window: the window's length in seconds.
    ///   - store: where the learned rate is read from at the first request and written to when it changes.
    public init(
        limit: Int = 150, ceiling: Int = 100_000, window: Double = 30, clock: any WallClock = SystemClock(),
        store: (any LearnedRateStore)? = nil
    ) {
        let ceiling = max(1, ceiling)
        self.limit = min(max(1, limit), ceiling)
        self.ceiling = ceiling
        self.window = window
        self.clock = clock
        self.store = store
    }

    /// The learned rate now (read from the store first, if nothing asked yet).
    public var learned: LearnedRate {
        get async {
            await loadOnce()
            return current
        }
    }

    private var current: LearnedRate { LearnedRate(limit: limit, observed: observed, updatedAt: clock.now) }

    /// Waits until a request may be sent, and counts it.
    public func acquire() async throws {
        await loadOnce()
        while true {
            let now = clock.now
            if let pausedUntil, pausedUntil > now {
                waitedSinceChange = true
                try await clock.sleep(seconds: pausedUntil.timeIntervalSince(now))
                continue
            }
            let span = window + Self.margin
            while head < sent.count, now.timeIntervalSince(sent[head]) >= span { head += 1 }
            if head > 1024 {
                sent.removeFirst(head)
                head = 0
            }
            if sent.count - head < limit {
                sent.append(now)
                grow()
                return
            }
            // Full. Until Spotify has said where its limit is, a full window is the sign that more is needed: it
            // doubles at once, as TCP's slow start does (the first 429 costs the requests in flight, no more).
            if observed == nil, limit < ceiling {
                limit = min(ceiling, limit * 2)
                changed()
                continue
            }
            waitedSinceChange = true
            try await clock.sleep(seconds: span - now.timeIntervalSince(sent[head]))
        }
    }

    /// A 429 that is a rate signal: pauses every caller for `seconds` (its `Retry-After`) and cuts the budget to
    /// below what Spotify had accepted in the window. Requests already in flight that come back 429 as well do
    /// not cut it again.
    public func rateLimited(retryAfter seconds: Double) {
        let now = clock.now
        let alreadyPaused = pausedUntil.map { $0 > now } ?? false
        extendPause(seconds, from: now)
        // A refused request takes no place in Spotify's window: nor in this one.
        if sent.count > head { sent.removeLast() }
        guard !alreadyPaused else { return }
        // What is left in the window: about what Spotify accepted.
        let span = window + Self.margin
        let accepted = max(1, sent[head...].filter { now.timeIntervalSince($0) < span }.count)
        observed = accepted
        limit = max(1, min(limit, Int((Double(accepted) * Self.cutFactor).rounded(.down))))
        cuts += 1
        changed()
    }

    /// Pauses every caller for `seconds`, without learning anything from it.
    public func pause(seconds: Double) {
        extendPause(seconds, from: clock.now)
    }

    private func extendPause(_ seconds: Double, from now: Date) {
        let until = now.addingTimeInterval(seconds)
        let current = max(now, pausedUntil ?? now)
        guard until > current else { return }
        rateLimitWait += until.timeIntervalSince(current)
        pausedUntil = until
    }

    /// After a 429: one request more per window's worth sent, when the budget held work back; within 5 % of the limit
    /// Spotify showed, one more only every ten windows' worth (a probe, in case the limit rose: each probe that
    /// finds it costs the requests in flight, and requests queued for a connection reach Spotify a little later
    /// than the budget counts them).
    private func grow() {
        sentSinceChange += 1
        guard let observed, waitedSinceChange, limit < ceiling else { return }
        let near = Int((Double(observed) * 0.95).rounded(.down))
        guard sentSinceChange >= (limit + 1 >= near ? limit * 10 : limit) else { return }
        limit += 1
        changed()
    }

    private func changed() {
        sentSinceChange = 0
        waitedSinceChange = false
        guard store != nil else { return }
        unsaved = true
        guard saving == nil else { return }
        saving = Task { await self.saveWhileChanged() }
    }

    /// Writes the latest rate, and again if it changed meanwhile: one write at a time, the last one wins.
    private func saveWhileChanged() async {
        while unsaved, let store {
            unsaved = false
            try? await store.save(current)
        }
        saving = nil
    }

    /// Returns once every change so far is written to the store.
    public func saved() async {
        while let saving { await saving.value }
    }

    /// The first caller reads what an earlier process learned; any others wait for it.
    private func loadOnce() async {
        guard store != nil else { return }
        if loading == nil { loading = Task { await self.load() } }
        await loading?.value
    }

    private func load() async {
        guard let stored = try? await store?.load() else { return }
        limit = min(max(1, stored.limit), ceiling)
        observed = stored.observed
    }
}
