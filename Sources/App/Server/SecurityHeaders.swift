import Vapor

/// What every response tells the browser about itself: never guess a content type; and for pages, load
/// nothing but this service's own files, run no inline script or style, never sit in a frame, and send
/// the address along only within this site.
struct SecurityHeaders: AsyncMiddleware {
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
        + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        Self.apply(to: response)
        return response
    }

    static func apply(to response: Response) {
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        if response.headers.contentType?.subType == "html" || response.headers.contentType == nil {
            response.headers.replaceOrAdd(name: "Content-Security-Policy", value: contentSecurityPolicy)
            response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        }
    }
}

/// A known path asked with a method it does not take answers 405 with `Allow`, not 404; HEAD goes with GET.
struct MethodNotAllowed: AsyncMiddleware {
    /// Each route's path, with the methods it takes.
    private let routes: [(path: [PathComponent], methods: Set<String>)]

    init(routes: Routes) {
        var table: [String: (path: [PathComponent], methods: Set<String>)] = [:]
        for route in routes.all {
            let key = route.path.map(\.description).joined(separator: "/")
            table[key, default: (route.path, [])].methods.insert(route.method.rawValue)
        }
        self.routes = Array(table.values)
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch is RouteNotFound {
            let methods = allowed(request.url.path)
            guard !methods.isEmpty else { throw APIError.notFound("\(request.url.path)") }
            var allow = methods
            if allow.contains("GET") { allow.insert("HEAD") }
            let list = allow.sorted().joined(separator: ", ")
            var headers = HTTPHeaders()
            headers.replaceOrAdd(name: .allow, value: list)
            throw APIError(
                .methodNotAllowed, "\(request.url.path) takes \(list), not \(request.method.rawValue)", headers: headers)
        }
    }

    /// The methods of every route whose path matches `path`.
    func allowed(_ path: String) -> Set<String> {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var methods = Set<String>()
        for route in routes where Self.matches(route.path, parts) { methods.formUnion(route.methods) }
        return methods
    }

    private static func matches(_ pattern: [PathComponent], _ parts: [String]) -> Bool {
        var index = 0
        for component in pattern {
            switch component {
            case .catchall: return true
            case .constant(let text):
                guard index < parts.count, parts[index] == text else { return false }
            case .parameter, .anything:
                guard index < parts.count else { return false }
            }
            index += 1
        }
        return index == parts.count
    }
}

/// Requests whose header fields add up to more than `limit` bytes answer 431 with the JSON error, instead of
/// being served. NIO's parser itself closes a connection whose header block passes 80 KiB, before any of
/// this runs; this limit sits well below that, so that ordinary oversized headers (a bloated cookie) get
/// an answer that says what is wrong.
struct HeaderSizeLimit: AsyncMiddleware {
    static let limit = 16 * 1024

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        var size = request.url.string.utf8.count
        for (name, value) in request.headers { size += name.utf8.count + value.utf8.count + 4 }
        guard size <= Self.limit else {
            throw APIError(
                .requestHeaderFieldsTooLarge,
                "the request's headers are \(size) bytes; this service takes at most \(Self.limit). If a cookie grew "
                    + "too large, clear this site's cookies.")
        }
        return try await next.respond(to: request)
    }
}
