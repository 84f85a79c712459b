import Foundation

/// A Web API error, answered as `{"error": {"status", "message", "reason"?}}`.
struct WebAPIFailure: Error {
    let status: Int
    let message: String
    var reason: String? = nil

    static let unauthorized = WebAPIFailure(status: 401, message: "Missing/invalid/expired access token")
    static let forbidden = WebAPIFailure(status: 403, message: "Forbidden")
    static let insufficientScope = WebAPIFailure(status: 403, message: "Insufficient client scope")
    static let notFound = WebAPIFailure(status: 404, message: "Resource not found")
    static let developmentMode = WebAPIFailure(
        status: 403, message: "This endpoint is not available for apps in Development Mode")
    static func badRequest(_ message: String) -> WebAPIFailure { WebAPIFailure(status: 400, message: message) }
}
