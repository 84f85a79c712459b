import Library
import RoutingKit
import Vapor

/// A known path asked with a method it does not take answers 405 with `Allow`, not 404; HEAD goes with GET.
struct MethodNotAllowed: Middleware {
    /// Every route's path, to the methods it takes. Built once and only read after, as Vapor's own router is.
    private final class Table: @unchecked Sendable {
        let router = TrieRouter(Set<String>.self)
    }
    private let table = Table()
    /// Put before every path: the router takes no empty path, and the home page's is empty.
    private static let root = "paths"

    init(routes: Routes) {
        var paths: [String: (path: [PathComponent], methods: Set<String>)] = [:]
        for route in routes.all {
            paths[route.path.string, default: (route.path, [])].methods.insert(route.method.rawValue)
        }
        for (path, allowed) in paths.values { table.router.register(allowed, at: [.constant(Self.root)] + path) }
    }

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).flatMapErrorThrowing { error in
            guard error is RouteNotFound else { throw error }
            var parameters = Parameters()
            let path = [Self.root] + request.url.path.split(separator: "/").map(String.init)
            guard var allowed = table.router.route(path: path, parameters: &parameters) else {
                throw PlaykeeperError.notFound(request.url.path)
            }
            if allowed.contains("GET") { allowed.insert("HEAD") }
            let list = allowed.sorted().joined(separator: ", ")
            throw APIError(
                .methodNotAllowed, "\(request.url.path) takes \(list), not \(request.method.rawValue)",
                headers: ["Allow": list])
        }
    }
}
