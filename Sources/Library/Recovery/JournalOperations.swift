import Foundation

/// Reads back what a journal entry recorded: the writes (a dedupe stores its whole plan, an undo or a unify
/// update the list of writes) and the entries before the change.
public enum JournalOperations {
    public static func decode(_ text: String) throws -> [DedupePlan.Operation] {
        let data = Data(text.utf8)
        if let plan = try? DedupeService.decoder.decode(DedupePlan.self, from: data) { return plan.operations }
        return try DedupeService.decoder.decode([DedupePlan.Operation].self, from: data)
    }

    public static func entries(_ text: String) throws -> [String?] {
        try DedupeService.decoder.decode([DedupeService.PlanBody.Entry].self, from: Data(text.utf8)).map(\.uri)
    }
}
