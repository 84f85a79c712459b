import FluentKit

/// 018: the request budget's learned rate per Spotify app (`request_budgets`).
struct CreateRequestBudgets: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(RequestBudgetRecord.schema)
            .id()
            .field("client_id", .string, .required)
            .field("request_limit", .int, .required)
            .field("observed_limit", .int)
            .field("updated_at", .datetime, .required)
            .unique(on: "client_id", name: "request_budgets_app")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(RequestBudgetRecord.schema).delete()
    }
}
