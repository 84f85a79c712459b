import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import Store
import Vapor

/// Starting a sync, and following jobs.
struct JobRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post("syncs", use: startSync)
        routes.get("jobs", use: list)
        routes.get("jobs", ":id", use: show)
    }

    static func view(_ job: JobRecord) -> JSONValue {
        [
            "id": .string(job.id?.uuidString ?? ""), "kind": .string(job.kind.rawValue), "status": .string(job.status.rawValue),
            "trigger": .string(job.trigger), "run_after": MirrorViews.date(job.runAfter), "attempts": JSONValue(job.attempts),
            "started_at": MirrorViews.date(job.startedAt), "finished_at": MirrorViews.date(job.finishedAt),
            "error": JSONValue(job.error), "result": job.result.flatMap { try? JSONValue(parsing: $0) } ?? .null,
        ]
    }

    /// 202 with the job and where to follow it.
    static func accepted(_ job: JobRecord) -> Response {
        let response = Response.json(view(job), status: .accepted)
        response.headers.replaceOrAdd(name: .location, value: "/api/v1/jobs/\(job.id!.uuidString)")
        return response
    }

    func startSync(_ request: Request) async throws -> Response {
        let caller = try request.requireCaller()
        return Self.accepted(try await request.service.scheduler.enqueue(user: caller.user, kind: .sync, trigger: "api"))
    }

    func list(_ request: Request) async throws -> Response {
        let caller = try request.requireCaller()
        let (limit, offset) = try request.page()
        let query = JobRecord.query(on: request.database).filter(\.$user.$id == caller.userID)
        let total = try await query.copy().count()
        let jobs = try await query.sort(\.$createdAt, .descending).offset(offset).limit(limit).all()
        return .json(MirrorViews.page(jobs.map(Self.view), total: total, limit: limit, offset: offset))
    }

    func show(_ request: Request) async throws -> Response {
        let caller = try request.requireCaller()
        let id = try request.uuidParameter("id", "job")
        guard
            let job = try await JobRecord.query(on: request.database).filter(\.$id == id).filter(\.$user.$id == caller.userID)
                .first()
        else { throw PlaykeeperError.notFound("job \(id)") }
        return .json(Self.view(job))
    }
}
