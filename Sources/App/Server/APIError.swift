import Foundation
import Library
import PlaykeeperJSON
import SpotifyWebAPI
import Store
import Vapor

/// An error the API answers with its status and `{"error": {"status", "message"}}`.
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

    static func notFound(_ what: String) -> APIError { APIError(.notFound, "\(what) was not found") }
    static let unauthorized = APIError(.unauthorized, "log in, or send a personal API token as 'Authorization: Bearer TOKEN'")

    /// Maps the errors of the domain and of Spotify to a status and a message without secrets.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as DedupeError:
            switch error {
            case .stale: return APIError(.conflict, error.description)
            case .notEditable: return APIError(.forbidden, error.description)
            case .notFound: return APIError(.notFound, error.description)
            case .refused: return APIError(.conflict, error.description)
            }
        case let error as SpotifyError:
            switch error {
            case .rateLimited, .quotaExceeded: return APIError(.tooManyRequests, error.description)
            case .reauthorizationRequired, .notLoggedIn:
                return APIError(.unauthorized, "Spotify needs you to log in again: \(error.description)")
            case .api(let status, _, _, _) where status == 403: return APIError(.forbidden, error.description)
            case .api(let status, _, _, _) where status == 404: return APIError(.notFound, error.description)
            default: return APIError(.serviceUnavailable, "Spotify did not answer as expected: \(error.description)")
            }
        case let error as StoreError:
            if case .leaseHeld = error { return APIError(.conflict, error.description) }
            return APIError(.serviceUnavailable, error.description)
        case let failure as CommandFailure:
            switch failure.code {
            case .usage: return APIError(.unprocessableEntity, failure.message)
            case .conflict: return APIError(.conflict, failure.message)
            case .needsLogin: return APIError(.unauthorized, failure.message)
            case .rateLimited: return APIError(.tooManyRequests, failure.message)
            default: return APIError(.unprocessableEntity, failure.message)
            }
        case let error as LoginFlow.NotAllowListed:
            return APIError(.forbidden, error.description)
        case let error as ConfigurationError:
            return APIError(.serviceUnavailable, "the service is misconfigured: \(error.description)")
        case let error as DecodingError:
            return APIError(.badRequest, "the request body is not what this route takes: \(Self.describe(error))")
        case let error as JSONValue.ParseError:
            return APIError(.badRequest, "the request body is not JSON: \(error)")
        case let abort as any AbortError:
            return APIError(abort.status, abort.reason)
        default:
            return APIError(.internalServerError, "something went wrong on the server; the log has the details")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "'\(key.stringValue)' is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
        @unknown default: "\(error)"
        }
    }

    var body: JSONValue { ["error": ["status": .number(Double(status.code)), "message": .string(message)]] }
}

/// Turns every error into JSON for the API and a small HTML page for the web pages; logs server errors.
struct ErrorResponder: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            return try await Self.response(for: error, to: request)
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
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: status, headers: headers, body: .init(string: value.serialized()))
    }
}
