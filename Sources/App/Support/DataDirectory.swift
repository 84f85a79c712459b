import Foundation

/// Where Playkeeper keeps its files: `PLAYKEEPER_DATA_DIR`, by default `~/.local/share/playkeeper`.
public struct DataDirectory: Sendable {
    public let url: URL

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let path = environment["PLAYKEEPER_DATA_DIR"], !path.isEmpty {
            url = URL(fileURLWithPath: (path as NSString).expandingTildeInPath, isDirectory: true)
        } else {
            let home =
                environment["HOME"].map { URL(fileURLWithPath: $0, isDirectory: true) }
                ?? FileManager.default.homeDirectoryForCurrentUser
            url = home.appendingPathComponent(".local/share/playkeeper", isDirectory: true)
        }
    }

    public init(url: URL) { self.url = url }

    /// Creates the directory with mode 0700 when it is missing; it holds credentials.
    @discardableResult
    public func ensureExists() throws -> URL {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw CommandFailure(.error, "\(url.path) exists and is not a directory") }
            return url
        }
        do {
            try FileManager.default.createDirectory(
                at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CommandFailure(.error, "cannot create the data directory \(url.path): \(error.localizedDescription)")
        }
        return url
    }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }
}
