import ArgumentParser
import Foundation

@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "playkeeper-bench",
        abstract: "Benchmarks that print figures against Playkeeper's targets. Everything runs against the emulator.",
        subcommands: [SyncBench.self, DedupeBench.self, UnifyBench.self, APIBench.self, HistoryBench.self, SmartBench.self]
    )
}
