import App
import EmulatorTestSupport
import Foundation
import Store
import Testing
import Vapor
import Yams

/// The OpenAPI document and the routes agree, both ways.
@Suite(.serialized)
struct OpenAPITests {
    @Test func theDocumentCoversEveryAPIRouteAndNothingElse() async throws {
        try await TestServer.with { server in
            let served = try await server.send(.GET, "/openapi.yaml")
            #expect(served.status == .ok)
            let document = try #require(try Yams.load(yaml: served.body) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: Any])
            var documented = Set<String>()
            for (path, item) in paths {
                for method in (item as? [String: Any] ?? [:]).keys
                where ["get", "put", "post", "delete", "patch"].contains(method) {
                    documented.insert("\(method.uppercased()) \(path)")
                }
            }
            let routed = Set(
                server.app.routes.all.map { route -> String in
                    let path = route.path.map { component -> String in
                        if case .parameter(let name) = component { return "{\(name)}" }
                        return component.description
                    }
                    return "\(route.method.rawValue) /\(path.joined(separator: "/"))"
                }
                .filter { $0.contains(" /api/v1/") || $0.hasSuffix(" /healthz") })
            #expect(
                routed.subtracting(documented).isEmpty,
                "routes missing from the document: \(routed.subtracting(documented).sorted())")
            #expect(
                documented.subtracting(routed).isEmpty, "documented but not routed: \(documented.subtracting(routed).sorted())")
            // Every $ref resolves inside the document.
            for reference in Set(Self.references(in: document)) {
                var node: Any? = document
                for key in reference.dropFirst(2).split(separator: "/") { node = (node as? [String: Any])?[String(key)] }
                #expect(node != nil, "\(reference) resolves")
            }
        }
    }

    /// A session's write without the CSRF token is a 403 on every state-changing operation; the journal's kinds and
    /// statuses are the store's.
    @Test func everyWriteDocumentsTheCSRFRefusalAndTheJournalsEnumsAreTheStores() throws {
        let document = try #require(try Yams.load(yaml: OpenAPIDocument.yaml) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        for (path, item) in paths {
            for (method, operation) in item where ["put", "post", "delete", "patch"].contains(method) {
                let responses = (operation as? [String: Any])?["responses"] as? [String: Any] ?? [:]
                #expect(responses["403"] != nil, "\(method.uppercased()) \(path) documents 403")
            }
        }
        let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any]
        let entry = (schemas?["JournalEntry"] as? [String: Any])?["properties"] as? [String: Any]
        let kinds = (entry?["kind"] as? [String: Any])?["enum"] as? [String]
        let statuses = (entry?["status"] as? [String: Any])?["enum"] as? [String]
        #expect(Set(kinds ?? []) == Set(JournalKind.allCases.map(\.rawValue)))
        #expect(Set(statuses ?? []) == Set(JournalStatus.allCases.map(\.rawValue)))
    }

    static func references(in value: Any) -> [String] {
        switch value {
        case let dictionary as [String: Any]:
            return dictionary.flatMap { key, value in key == "$ref" ? [value as? String ?? ""] : references(in: value) }
        case let array as [Any]: return array.flatMap(references)
        default: return []
        }
    }
}

/// The served document, written to a file for external validators.
enum OpenAPIFile {
    static func write(to url: URL) throws {
        try OpenAPIDocument.yaml.write(to: url, atomically: true, encoding: .utf8)
    }
}
