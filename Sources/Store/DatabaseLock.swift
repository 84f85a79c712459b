import FluentKit
import Foundation
import SQLKit

#if canImport(Glibc)
    import Glibc
#endif

/// A named lock in the database, with an expiry, so that every process sharing the store respects it and a
/// crashed holder never blocks the others for longer than the expiry.
public struct DatabaseLock: Sendable {
    public let name: String
    public let holder: String
    let database: any Database

    /// Identifies this process in lock rows and messages: its pid, host and boot, so that a process on the
    /// same machine can tell that the holder is gone.
    public static let processHolder: String = {
        "pid \(ProcessInfo.processInfo.processIdentifier) on \(ProcessInfo.processInfo.hostName) boot \(bootID ?? "-")"
    }()

    /// This machine's boot id (Linux): a process of an earlier boot is gone whatever its pid.
    static let bootID: String? = {
        guard let text = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8) else { return nil }
        let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return id.isEmpty ? nil : String(id.prefix(8))
    }()

    /// Whether a lock's holder is a process of this machine that no longer runs (killed, crashed): then its lock
    /// is taken over at once rather than after its expiry. Holders on other machines, or that cannot be read,
    /// are alive until their lock expires.
    public static func holderIsGone(_ holder: String) -> Bool {
        let words = holder.split(separator: " ")
        guard words.count >= 6, words[0] == "pid", words[2] == "on", words[4] == "boot", let pid = Int32(words[1]),
            pid > 0, words[3] == ProcessInfo.processInfo.hostName, let boot = bootID
        else { return false }
        if words[5] != boot { return true }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    /// Takes the lock, waiting up to `wait` seconds (0 tries once). Throws `StoreError.leaseHeld` when it stays taken.
    public static func acquire(
        _ name: String, on database: any Database, ttl: Double, wait: Double,
        holder: String = processHolder + " " + UUID().uuidString.prefix(8)
    ) async throws -> DatabaseLock {
        let sql = try database.sql()
        let deadline = Date().addingTimeInterval(wait)
        var pause = 0.02
        while true {
            let now = Date().timeIntervalSince1970
            // One statement on both stores: insert, or take over an expired row; RETURNING says whether we got it.
            let rows = try await sql.raw(
                """
                INSERT INTO \(ident: LockRecord.schema) (name, holder, expires_at) VALUES (\(bind: name), \(bind: holder), \(bind: now + ttl))
                ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                WHERE \(ident: LockRecord.schema).expires_at < \(bind: now)
                RETURNING name
                """
            ).all()
            if !rows.isEmpty { return DatabaseLock(name: name, holder: holder, database: database) }
            // A holder of this machine that is gone: take its lock over, only from that holder.
            if let current = try await LockRecord.find(name, on: database), holderIsGone(current.holder) {
                let taken = try await sql.raw(
                    """
                    UPDATE \(ident: LockRecord.schema) SET holder = \(bind: holder), expires_at = \(bind: now + ttl)
                    WHERE name = \(bind: name) AND holder = \(bind: current.holder)
                    RETURNING name
                    """
                ).all()
                if !taken.isEmpty { return DatabaseLock(name: name, holder: holder, database: database) }
            }
            if Date() >= deadline {
                let current = try await LockRecord.find(name, on: database)
                throw StoreError.leaseHeld(name: name, holder: current?.holder ?? "another process")
            }
            try await Task.sleep(nanoseconds: UInt64(pause * 1_000_000_000))
            pause = min(pause * 2, 0.5)
        }
    }

    /// Extends the lock; a long job calls this while it works.
    public func renew(ttl: Double) async throws {
        let sql = try database.sql()
        try await sql.update(LockRecord.schema)
            .set("expires_at", to: Date().timeIntervalSince1970 + ttl)
            .where("name", .equal, name).where("holder", .equal, holder)
            .run()
    }

    public func release() async throws {
        try await database.sql().delete(from: LockRecord.schema).where("name", .equal, name).where("holder", .equal, holder).run()
    }

    /// Runs `body` holding the lock, renewing it while `body` runs, and releases it afterwards.
    public static func withLock<T: Sendable>(
        _ name: String, on database: any Database, ttl: Double = 60, wait: Double, _ body: @Sendable () async throws -> T
    ) async throws -> T {
        let lock = try await acquire(name, on: database, ttl: ttl, wait: wait)
        let renewal = Task {
            while !Task.isCancelled {
                try await Task.sleep(nanoseconds: UInt64(ttl / 3 * 1_000_000_000))
                try? await lock.renew(ttl: ttl)
            }
        }
        do {
            let result = try await body()
            renewal.cancel()
            try await lock.release()
            return result
        } catch {
            renewal.cancel()
            try? await lock.release()
            throw error
        }
    }
}
