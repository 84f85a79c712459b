import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import SQLKit
import SpotifyWebAPI
import Store
import Vapor

/// `/healthz`, `/metrics` and `/openapi.yaml`.
struct HealthRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("healthz", use: health)
        routes.get("metrics", use: metrics)
        routes.get("openapi.yaml", use: openAPI)
        routes.get("assets", "playkeeper.css", use: stylesheet)
    }

    /// 200 when the database answers and is migrated; 503 otherwise. It says "up" and nothing more: no count
    /// of people, no kind of store, for whoever can reach it.
    func health(_ request: Request) async throws -> Response {
        do {
            _ = try await UserRecord.query(on: request.database).limit(1).all(\.$id)
            return .json(["status": "ok"])
        } catch {
            request.logger.error("health check failed: \(String(describing: error))")
            throw PlaykeeperError(.unavailable, "the database does not answer")
        }
    }

    func metrics(_ request: Request) async throws -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/plain; version=0.0.4; charset=utf-8")
        request.service.metrics.recordBudget(await request.service.api.budget.learned)
        return Response(status: .ok, headers: headers, body: .init(string: request.service.metrics.exposition()))
    }

    func openAPI(_ request: Request) async throws -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "application/yaml; charset=utf-8")
        return Response(status: .ok, headers: headers, body: .init(string: OpenAPIDocument.yaml))
    }

    /// The pages' stylesheet (a file, since the pages' Content-Security-Policy allows no inline style).
    func stylesheet(_ request: Request) async throws -> Response {
        var headers = HTTPHeaders()
        headers.replaceOrAdd(name: .contentType, value: "text/css; charset=utf-8")
        headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=3600")
        return Response(status: .ok, headers: headers, body: .init(string: Stylesheet.css))
    }
}

/// The pages' one stylesheet, compiled into the binary.
enum Stylesheet {
    static let css = String(decoding: PackageResources.playkeeper_css, as: UTF8.self)
}

/// The OpenAPI 3.1 document of `/api/v1` and `/healthz`, compiled into the binary.
public enum OpenAPIDocument {
    public static let yaml = String(decoding: PackageResources.openapi_yaml, as: UTF8.self)
}
