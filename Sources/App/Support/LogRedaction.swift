import Foundation
import Logging

/// Takes secrets out of log text before it is written, at every level: credentials in headers (`Authorization`,
/// cookies, `X-CSRF-Token`), OAuth and form parameters (`code`, `state`, `csrf`, tokens), bearer and personal
/// API tokens, token fields in JSON, raw bytes (Vapor's trace log prints request bodies as hex), and the
/// values of SQL statements (Fluent and SQLKit log the values they bind at debug and trace).
///
/// Playkeeper's own log lines carry no secrets to begin with; this is the net under the libraries' lines.
public enum LogRedaction {
    static let mask = "<redacted>"

    /// Header names whose values are credentials.
    static let headers = ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-csrf-token"]
    /// Parameter and JSON field names whose values are secrets.
    static let fields = [
        "code", "state", "csrf", "access_token", "refresh_token", "id_token", "token", "code_verifier", "client_secret",
        "password", "secret",
    ]
    /// Metadata keys whose values are statements' bound values: dropped whole.
    static let valueKeys: Set<String> = ["binds", "input"]

    private struct Rule {
        let pattern: NSRegularExpression
        let template: String
    }

    private static let rules: [Rule] = {
        let headerNames = headers.joined(separator: "|")
        let fieldNames = fields.joined(separator: "|")
        func rule(_ pattern: String, _ template: String) -> Rule {
            Rule(pattern: try! NSRegularExpression(pattern: pattern, options: [.caseInsensitive]), template: template)
        }
        return [
            // NIO's header lists: ("Authorization", "Bearer …")
            rule(#"(\(\s*"(?:\#(headerNames))"\s*,\s*")(?:[^"\\]|\\.)*(")"#, "$1\(mask)$2"),
            // Header lines: Authorization: Bearer …
            rule(#"(\b(?:\#(headerNames))\s*:\s*)[^\r\n"]+"#, "$1\(mask)"),
            // Query strings and form bodies: code=…&state=…
            rule(#"((?:^|[?&;\s"'(,])(?:\#(fieldNames))=)[^&;\s"'),]*"#, "$1\(mask)"),
            // JSON fields: "access_token": "…"
            rule(#"("(?:\#(fieldNames))"\s*:\s*")(?:[^"\\]|\\.)*(")"#, "$1\(mask)$2"),
            // Bearer credentials wherever they appear.
            rule(#"(\bBearer\s+)[A-Za-z0-9._~+/=-]+"#, "$1\(mask)"),
            // Personal API tokens.
            rule(#"\bpk_[A-Za-z0-9_-]{6,}"#, "pk_\(mask)"),
            // Raw bytes as NIO prints them: [68656c6c6f…](11 bytes)
            rule(#"\[[0-9a-f .]*\]\((\d+) bytes\)"#, "<$1 bytes, not logged>"),
        ]
    }()

    /// `text` with every secret it holds replaced by `<redacted>`.
    public static func redact(_ text: String) -> String {
        var result = text
        for rule in rules {
            let range = NSRange(result.startIndex..., in: result)
            guard rule.pattern.firstMatch(in: result, range: range) != nil else { continue }
            result = rule.pattern.stringByReplacingMatches(in: result, range: range, withTemplate: rule.template)
        }
        return result
    }

    /// Metadata with bound values dropped and every string redacted.
    public static func redact(_ metadata: Logger.Metadata) -> Logger.Metadata {
        var result = Logger.Metadata()
        for (key, value) in metadata {
            if valueKeys.contains(key) {
                if case .array(let values) = value {
                    result[key] = .string("<\(values.count) values, not logged>")
                } else {
                    result[key] = .string("<not logged>")
                }
            } else {
                result[key] = redact(value)
            }
        }
        return result
    }

    static func redact(_ value: Logger.MetadataValue) -> Logger.MetadataValue {
        switch value {
        case .string(let text): .string(redact(text))
        case .stringConvertible(let convertible): .string(redact(convertible.description))
        case .array(let values): .array(values.map(redact))
        case .dictionary(let members): .dictionary(redact(members))
        }
    }
}

/// A log handler that redacts (see `LogRedaction`) before another handler writes.
///
/// Its metadata is kept as given and redacted with the line, when one is written: Vapor sets a request id on
/// every request's logger, and redacting it there ran seven regular expressions per request for lines that the
/// log level then left unwritten.
public struct RedactingLogHandler: LogHandler {
    private var inner: any LogHandler
    public var metadata: Logger.Metadata = [:]

    public init(_ inner: any LogHandler) {
        self.inner = inner
        metadata = inner.metadata
        self.inner.metadata = [:]
    }

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    public func log(event: LogEvent) {
        var event = event
        event.message = "\(LogRedaction.redact(event.message.description))"
        let merged = event.metadata.map { metadata.merging($0) { $1 } } ?? metadata
        event.metadata = merged.isEmpty ? nil : LogRedaction.redact(merged)
        inner.log(event: event)
    }
}
