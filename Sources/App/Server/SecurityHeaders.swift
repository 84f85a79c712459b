import Vapor

/// What every response tells the browser about itself: never guess a content type; and for pages, load
/// nothing but this service's own files, run no inline script or style, never sit in a frame, and send
/// the address along only within this site.
struct SecurityHeaders: Middleware {
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
        + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).map { response in
            response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
            response.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
            if response.headers.contentType?.subType == "html" || response.headers.contentType == nil {
                response.headers.replaceOrAdd(name: "Content-Security-Policy", value: Self.contentSecurityPolicy)
                response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
            }
            return response
        }
    }
}
