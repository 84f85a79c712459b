import Foundation
import PlaykeeperJSON
import Vapor

/// The Accounts service: `/authorize` and `/api/token`.
struct AccountsRoutes {
    let state: EmulatorState

    func register(on app: any RoutesBuilder) {
        let accounts = app.grouped(AccountsGate(state: state))
        accounts.get("authorize") { request -> Response in
            switch await state.authorize(query: request.queryDictionary) {
            case .redirect(let location):
                return request.redirect(to: location, redirectType: .normal)
            case .errorPage(let message):
                var headers = HTTPHeaders()
                headers.contentType = .html
                let escaped = message.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                return Response(
                    status: .badRequest, headers: headers,
                    body: .init(string: "<!doctype html><title>Error</title><h1>Oops! Something went wrong</h1><p>\(escaped)</p>")
                )
            }
        }
        accounts.post("api", "token") { request -> Response in
            guard request.headers.contentType == .urlEncodedForm else {
                return .accountsError(
                    AccountsFailure(status: 400, error: "invalid_request", description: "Unsupported content type"))
            }
            let basic = request.headers.basicAuthorization.map { (id: $0.username, secret: $0.password) }
            if request.headers.first(name: .authorization) != nil, basic == nil {
                return .accountsError(AccountsFailure(status: 400, error: "invalid_client", description: "Invalid client"))
            }
            do {
                let answer = try await state.token(form: request.formBody(), basic: basic)
                let response = Response.json(.object(answer))
                response.headers.cacheControl = .init(noStore: true)
                return response
            } catch let failure as AccountsFailure {
                return .accountsError(failure)
            }
        }
    }
}
