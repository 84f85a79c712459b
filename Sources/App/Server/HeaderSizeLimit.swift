import Vapor

/// Requests whose header fields add up to more than `limit` bytes answer 431 with the JSON error, instead of
/// being served. NIO's parser itself closes a connection whose header block passes 80 KiB, before any of
/// this runs; this limit sits well below that, so that ordinary oversized headers (a bloated cookie) get
/// an answer that says what is wrong.
struct HeaderSizeLimit: Middleware {
    static let limit = 16 * 1024

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        var size = request.url.string.utf8.count
        for (name, value) in request.headers { size += name.utf8.count + value.utf8.count + 4 }
        guard size <= Self.limit else {
            return request.eventLoop.makeFailedFuture(
                APIError(
                    .requestHeaderFieldsTooLarge,
                    "the request's headers are \(size) bytes; this service takes at most \(Self.limit). If a cookie grew "
                        + "too large, clear this site's cookies."))
        }
        return next.respond(to: request)
    }
}
