import Foundation

/// A `playkeeper serve` child process on a free port, so that a load generator's CPU is not counted as the
/// server's, and the server runs as a person runs it.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    /// The base URL it printed, like `http://127.0.0.1:41234`.
    let url: String

    init(environment: [String: String]) throws {
        let output = try launchPlaykeeper(process, arguments: ["serve", "--port", "0"], environment: environment)
        guard let line = try readLine(output) else {
            process.waitUntilExit()
            throw BenchError("playkeeper serve stopped before it printed its address (\(process.terminationStatus))")
        }
        url = line.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// CPU seconds (user + system) the server has used so far.
    var cpuSeconds: Double { processCPUSeconds(pid: process.processIdentifier) }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

/// One run of Debian's `hey` HTTP load generator, its answers read from its CSV output or its summary.
struct HeyRun {
    /// Answers by status code.
    var statuses: [Int: Int]
    /// Seconds from the first request sent to the last answer read.
    var seconds: Double
    /// Each answer's latency in milliseconds, sorted (from the CSV).
    private var latencies: [Double] = []
    /// hey's latency distribution, fractions to milliseconds (from the summary).
    private var distribution: [(fraction: Double, milliseconds: Double)] = []

    /// CPU seconds hey itself used.
    var cpuSeconds = 0.0

    var answered: Int { statuses.values.reduce(0, +) }
    var throughput: Double { Double(answered) / max(seconds, 1e-9) }
    /// The slowest answer; known from the CSV only.
    var slowest: Double { latencies.last ?? .nan }

    /// The latency at or above the fraction `p` of all answers.
    func percentile(_ p: Double) -> Double {
        guard !latencies.isEmpty else {
            return (distribution.first { $0.fraction >= p } ?? distribution.last)?.milliseconds ?? .nan
        }
        return latencies[min(latencies.count - 1, max(0, Int((Double(latencies.count) * p).rounded(.up)) - 1))]
    }

    /// - Parameters:
    ///   - workers: connections, each sending its next request when the previous one is answered.
    ///   - ratePerWorker: each worker's requests per second, or as fast as it can.
    ///   - everyAnswer: read each answer's latency from hey's CSV (exact percentiles); without it, hey's summary
    ///     (percentiles to 0.1 ms), since writing a line per answer takes hey CPU that the server then lacks.
    static func run(
        url: String, headers: [String], seconds: Int, workers: Int, ratePerWorker: Int? = nil, everyAnswer: Bool = true
    ) throws -> HeyRun {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = ["hey", "-z", "\(seconds)s", "-c", "\(workers)"]
        if everyAnswer { arguments += ["-o", "csv"] }
        if let ratePerWorker { arguments += ["-q", "\(ratePerWorker)"] }
        for header in headers { arguments += ["-H", header] }
        process.arguments = arguments + [url]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let cpuBefore = childrenCPUSeconds()
        do { try process.run() } catch {
            throw BenchError("cannot run hey (apt-get install hey): \(error)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let problems = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError(
                "hey failed (\(process.terminationStatus); apt-get install hey): \(String(decoding: problems, as: UTF8.self))")
        }
        let cpu = childrenCPUSeconds() - cpuBefore
        let text = String(decoding: data, as: UTF8.self)
        guard everyAnswer else {
            var run = try summary(text)
            run.cpuSeconds = cpu
            return run
        }
        // response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset
        var latencies: [Double] = []
        var statuses: [Int: Int] = [:]
        var end = 0.0
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",")
            guard fields.count == 8, let time = Double(fields[0]), let status = Int(fields[6]), let offset = Double(fields[7])
            else { continue }
            latencies.append(time * 1000)
            statuses[status, default: 0] += 1
            end = max(end, offset + time)
        }
        guard !statuses.isEmpty else {
            throw BenchError("hey read no answers: \(String(decoding: problems, as: UTF8.self))")
        }
        latencies.sort()
        var run = HeyRun(statuses: statuses, seconds: end)
        run.latencies = latencies
        run.cpuSeconds = cpu
        return run
    }

    /// hey's summary: its total time, its latency distribution and its status codes.
    private static func summary(_ text: String) throws -> HeyRun {
        func number(after label: String, in line: Substring) -> Double? {
            line.range(of: label).flatMap { Double(line[$0.upperBound...].split(whereSeparator: \.isWhitespace).first ?? "") }
        }
        var run = HeyRun(statuses: [:], seconds: 0)
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces)[...] }) {
            if let total = number(after: "Total:", in: line) { run.seconds = total }
            if line.hasSuffix("secs"), let percent = Double(line.split(separator: "%").first ?? ""),
                let latency = number(after: "% in ", in: line)
            {
                run.distribution.append((percent / 100, latency * 1000))
            }
            if line.hasPrefix("["), let close = line.firstIndex(of: "]"), let code = Int(line.dropFirst().prefix(upTo: close)),
                let count = Int(line[line.index(after: close)...].split(whereSeparator: \.isWhitespace).first ?? "")
            {
                run.statuses[code] = count
            }
        }
        guard run.seconds > 0, run.answered > 0, !run.distribution.isEmpty else {
            throw BenchError("cannot read hey's summary:\n\(text)")
        }
        return run
    }
}

/// CPU seconds (user + system) of the children this process has waited for.
func childrenCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
    func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
