import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PlaykeeperJSON

/// A `playkeeper emulator` child process, so the benchmark's own memory is the sync's alone.
final class ExternalEmulator: @unchecked Sendable {
    let process = Process()
    let base: String
    let http: HTTPClient

    init(arguments: [String]) async throws {
        let output = try launchPlaykeeper(process, arguments: ["emulator", "--port", "0"] + arguments)
        var found: String?
        while found == nil {
            guard let line = try readLine(output) else { throw BenchError("the emulator did not start") }
            if line.hasPrefix("SPOTIFY_ACCOUNTS_URL=") { found = line }
        }
        base = String((found ?? "").dropFirst("SPOTIFY_ACCOUNTS_URL=".count)).trimmingCharacters(in: .whitespacesAndNewlines)
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// CPU seconds (user + system) the emulator process has used so far.
    var cpuSeconds: Double { processCPUSeconds(pid: process.processIdentifier) }

    func stop() async {
        try? await http.shutdown()
        process.terminate()
        process.waitUntilExit()
    }

    @discardableResult
    func call(_ method: HTTPMethod, _ path: String, json: JSONValue? = nil) async throws -> (
        status: Int, headers: HTTPHeaders, body: JSONValue
    ) {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json.serialized()))
        }
        let response = try await http.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 256 << 20)
        return (Int(response.status.code), response.headers, (try? JSONValue(parsing: Array(body.readableBytesView))) ?? .null)
    }

    /// Follows `/authorize` like a browser and returns the redirect's `code` query.
    func approve(_ url: URL) async throws -> URL {
        let response = try await http.execute(HTTPClientRequest(url: url.absoluteString), timeout: .seconds(10))
        guard let location = response.headers.first(name: "location"), let redirect = URL(string: location) else {
            throw BenchError("authorize did not redirect")
        }
        return redirect
    }

    /// GET requests to the Web API since the log was last reset.
    func reads() async throws -> Int {
        let log = try await call(.GET, "/__emulator/requests").body
        return (log["counts"]?.objectValue ?? [:]).filter { $0.key.hasPrefix("GET /v1/") }.values.compactMap(\.intValue).reduce(
            0, +)
    }
}

/// Starts the `playkeeper` binary beside this one with `arguments` (and `environment` added), its standard error
/// discarded; returns its standard output.
func launchPlaykeeper(_ process: Process, arguments: [String], environment: [String: String] = [:]) throws -> FileHandle {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("playkeeper")
    guard FileManager.default.isExecutableFile(atPath: binary.path) else {
        throw BenchError("\(binary.path) is missing: build the playkeeper product first (swift build -c release)")
    }
    process.executableURL = binary
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    return output.fileHandleForReading
}

/// The next line a child printed, or nil once it closed its output.
func readLine(_ output: FileHandle) throws -> String? {
    var text = ""
    while !text.hasSuffix("\n") {
        guard let chunk = try output.read(upToCount: 1), !chunk.isEmpty else { return text.isEmpty ? nil : text }
        text += String(decoding: chunk, as: UTF8.self)
    }
    return text
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Peak resident memory of this process, from /proc.
func peakRSSMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return .nan }
    return kilobytes / 1024
}

func mark(_ ok: Bool) -> String { ok ? "ok  " : "MISS" }

/// CPU seconds (user + system) of a process, from /proc/PID/stat.
func processCPUSeconds(pid: Int32) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return .nan }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // After the command name: state is field 3; utime and stime are fields 14 and 15.
    guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return .nan }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}
