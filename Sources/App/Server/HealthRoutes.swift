import FluentKit
import Foundation
import PlaykeeperJSON
import SQLKit
import Store
import Vapor

/// `/healthz`, `/metrics` and `/openapi.yaml`.
struct HealthRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("healthz", use: health)
        routes.get("metrics", use: metrics)
        routes.get("openapi.yaml", use: openAPI)
    }

    /// 200 when the database answers and is migrated; 503 otherwise.
    func health(_ request: Request) async throws -> Response {
        do {
            let users = try await UserRecord.query(on: request.database).count()
            return .json([
                "status": "ok", "database": .string(request.service.mirror.location.isSQLite ? "sqlite" : "postgresql"),
                "users": JSONValue(users),
            ])
        } catch {
            request.logger.error("health check failed: \(String(describing: error))")
            throw APIError(.serviceUnavailable, "the database does not answer")
        }
    }

    func metrics(_ request: Request) async throws -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/plain; version=0.0.4; charset=utf-8")
        return Response(status: .ok, headers: headers, body: .init(string: request.service.metrics.exposition()))
    }

    func openAPI(_ request: Request) async throws -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "application/yaml; charset=utf-8")
        return Response(status: .ok, headers: headers, body: .init(string: OpenAPIDocument.yaml))
    }
}

/// The OpenAPI 3.1 document of `/api/v1` and `/healthz`, compiled into the binary.
public enum OpenAPIDocument {
    public static let yaml = String(decoding: PackageResources.openapi_yaml, as: UTF8.self)
}
