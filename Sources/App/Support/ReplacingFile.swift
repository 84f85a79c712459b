import Foundation
import Library

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file written beside its target and renamed over it once complete (`rename(2)`): whoever reads the target
/// finds the old file or the whole new one, never half of one, and a failed write leaves nothing behind.
struct ReplacingFile {
    let target: URL
    private let partial: URL
    private let handle: FileHandle

    /// Starts the file; `permissions` (such as 0o600) are set before a byte is written.
    init(replacing target: URL, permissions: Int? = nil) throws {
        self.target = target
        partial = target.deletingLastPathComponent().appendingPathComponent(
            ".\(target.lastPathComponent).\(UUID().uuidString).partial")
        let attributes: [FileAttributeKey: Any]? = permissions.map { [.posixPermissions: $0] }
        guard FileManager.default.createFile(atPath: partial.path, contents: nil, attributes: attributes),
            let handle = try? FileHandle(forWritingTo: partial)
        else { throw PlaykeeperError(.failed, "cannot write \(target.path): cannot create a file in its folder") }
        self.handle = handle
    }

    func write(_ data: Data) throws {
        do {
            try handle.write(contentsOf: data)
        } catch {
            throw PlaykeeperError(.failed, "cannot write \(target.path): \(error.localizedDescription)")
        }
    }

    /// Puts the finished file in the target's place.
    func commit() throws {
        try? handle.close()
        guard rename(partial.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: partial)
            throw PlaykeeperError(.failed, "cannot write \(target.path): \(reason)")
        }
    }

    /// Drops the unfinished file.
    func abandon() {
        try? handle.close()
        try? FileManager.default.removeItem(at: partial)
    }

    /// Runs `body` with the file, then commits it, or abandons it if `body` throws.
    static func write<Result>(
        _ target: URL, permissions: Int? = nil, _ body: (ReplacingFile) async throws -> Result
    ) async throws -> Result {
        let file = try ReplacingFile(replacing: target, permissions: permissions)
        do {
            let result = try await body(file)
            try file.commit()
            return result
        } catch {
            file.abandon()
            throw error
        }
    }
}
