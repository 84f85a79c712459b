import Foundation
import Library
import PlaykeeperJSON
import SpotifyWebAPI
import Store
import Vapor

/// How the API answers an error: a status, `{"error": {"status", "message"}}` and any headers. Operations throw
/// `PlaykeeperError`; this type is thrown only for what belongs to HTTP itself (405 with `Allow`, 431).
struct APIError: Error, CustomStringConvertible {
    let status: HTTPResponseStatus
    let message: String
    /// Headers the answer carries besides the body, such as `Allow` with a 405.
    var headers = HTTPHeaders()

    init(_ status: HTTPResponseStatus, _ message: String, headers: HTTPHeaders = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    var description: String { message }

    /// The answer to any error: its kind's status (ErrorMapping.swift) and its message, or Vapor's own status
    /// for errors of the HTTP layer. A fault of ours shows a generic message; the log has the detail.
    static func from(_ error: any Error) -> APIError {
        if let error = error as? APIError { return error }
        let failure = PlaykeeperError.from(error)
        if failure.kind != .internal { return APIError(failure.kind.status, failure.message) }
        if let abort = error as? any AbortError {
            if abort.status == .payloadTooLarge {
                return APIError(
                    .payloadTooLarge,
                    "the request is too large: an upload of Spotify's export takes at most \(HistoryRoutes.uploadLimitMB) MB, "
                        + "any other request far less")
            }
            return APIError(abort.status, abort.reason)
        }
        return APIError(.internalServerError, "something went wrong on the server; the log has the details")
    }

    var body: JSONValue { ["error": ["status": .number(Double(status.code)), "message": .string(message)]] }
}

/// Turns every error into JSON for the API and a small HTML page for the web pages; logs server errors.
struct ErrorResponder: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).flatMapError { error in
            request.eventLoop.makeFutureWithTask { try await Self.response(for: error, to: request) }
        }
    }

    /// The answer to `error`: its status, the JSON error or a small page, and its headers. Server errors are logged.
    static func response(for error: any Error, to request: Request) async throws -> Response {
        let failure = APIError.from(error)
        if failure.status.code >= 500 {
            request.logger.error("\(request.method) \(request.url.path) failed: \(String(reflecting: error))")
        }
        let response =
            request.wantsHTML
            ? try await Pages.error(request, status: failure.status, message: failure.message)
            : Response.json(failure.body, status: failure.status)
        for (name, value) in failure.headers { response.headers.replaceOrAdd(name: name, value: value) }
        return response
    }
}

extension Request {
    /// Web pages get HTML errors; the API, `/healthz` and scripts get JSON.
    var wantsHTML: Bool {
        let path = url.path
        if path.hasPrefix("/api/") || path == "/healthz" || path == "/metrics" || path == "/openapi.yaml" { return false }
        return headers.first(name: .accept)?.contains("text/html") ?? true
    }
}

extension Response {
    static func json(_ value: JSONValue, status: HTTPResponseStatus = .ok) -> Response {
        json(bytes: value.serializedBytes(), status: status)
    }

    /// JSON text written already.
    static func json(bytes: [UInt8], status: HTTPResponseStatus = .ok) -> Response {
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: status, headers: headers, body: .init(buffer: ByteBuffer(bytes: bytes)))
    }
}
