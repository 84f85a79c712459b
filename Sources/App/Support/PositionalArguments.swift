import ConsoleKit

/// ConsoleKit's arguments are required; some commands take optional or repeated positional words
/// (`duplicates [PLAYLIST]`, `ignore add URI URI`). They take the words the signature left over.
protocol PositionalCommand: AsyncCommand {
    /// How many positional words the command accepts.
    var positionalRange: ClosedRange<Int> { get }
    func run(using context: CommandContext, signature: Signature, positionals: [String]) async throws
}

extension PositionalCommand {
    func runWithPositionals(_ context: inout CommandContext) async throws {
        let signature = try Signature(from: &context.input)
        let positionals = context.input.arguments
        context.input.arguments = []
        guard positionalRange.contains(positionals.count) else {
            throw CommandError.unknownInput(positionals.joined(separator: " "))
        }
        try await run(using: context, signature: signature, positionals: positionals)
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        try await run(using: context, signature: signature, positionals: [])
    }
}
