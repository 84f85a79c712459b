import PlaykeeperJSON

/// Reads back what a journal entry recorded: the writes (a dedupe stores its whole plan, an undo or a unify
/// update the list of writes) and the entries before the change.
public enum JournalOperations {
    public static func decode(_ text: String) throws -> [DedupePlan.Operation] {
        let value = try JSONValue(parsing: text)
        if let plan = try? JSONValueDecoder().decode(DedupePlan.self, from: value) { return plan.operations }
        return try JSONValueDecoder().decode([DedupePlan.Operation].self, from: value)
    }

    public static func entries(_ text: String) throws -> [String?] {
        try JSONValueDecoder().decode([DedupeService.PlanBody.Entry].self, from: text).map(\.uri)
    }
}
