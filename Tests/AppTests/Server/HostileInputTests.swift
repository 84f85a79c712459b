import App
import Foundation
import NIOHTTP1
import PlaykeeperJSON
import Testing
import Yams

/// Numbers from outside never trap: every integer parameter the OpenAPI document lists (the routes and the
/// document agree, see `OpenAPITests`, so a new route is covered by itself), every numeric flag and setting.
@Suite(.serialized)
struct HostileInputTests {
    /// What a fuzzer or a curious person sends for a number.
    static let values = [
        "0", "-1", String(Int.max), String(Int.min), "9223372036854775808", "18446744073709551616", "1e309", "NaN",
        String(repeating: "9", count: 1000),
    ]

    struct IntegerParameter: CustomStringConvertible {
        var method: String
        var path: String
        var name: String
        var location: String
        var minimum: Int?
        var maximum: Int?
        /// Values for the operation's other path parameters, from their `example`.
        var examples: [String: String]

        var description: String { "\(method.uppercased()) \(path) \(location) \(name)" }

        /// The request path with `value` in this parameter and examples in the others.
        func target(_ value: String) -> String {
            var filled = path
            for (name, example) in examples { filled = filled.replacingOccurrences(of: "{\(name)}", with: example) }
            let encoded = value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value
            if location == "path" { return filled.replacingOccurrences(of: "{\(name)}", with: encoded) }
            return filled + "?\(name)=\(encoded)"
        }

        func accepts(_ value: String) -> Bool {
            guard let number = Int(value), let minimum, let maximum else { return false }
            return (minimum...maximum).contains(number)
        }
    }

    /// An integer property of an operation's JSON request body.
    struct BodyInteger: CustomStringConvertible {
        var method: String
        var path: String
        var property: String
        var minimum: Int?
        var maximum: Int?
        /// Values for the operation's path parameters, from their `example`.
        var examples: [String: String]
        /// The body's required fields (each sent as a fresh name, so that a body in range is taken).
        var required: [String]

        var description: String { "\(method.uppercased()) \(path) body \(property)" }

        func accepts(_ value: String) -> Bool {
            guard let number = Int(value), let minimum, let maximum else { return false }
            return (minimum...maximum).contains(number)
        }
    }

    /// Every integer parameter of every operation, and every integer property of a request body.
    static func integerInputs() throws -> (parameters: [IntegerParameter], bodyIntegers: [BodyInteger]) {
        let document = try #require(try Yams.load(yaml: OpenAPIDocument.yaml) as? [String: Any])
        func resolve(_ node: Any) -> [String: Any] {
            guard let node = node as? [String: Any] else { return [:] }
            guard let reference = node["$ref"] as? String else { return node }
            var target: Any? = document
            for key in reference.dropFirst(2).split(separator: "/") { target = (target as? [String: Any])?[String(key)] }
            return resolve(target as Any)
        }
        func isInteger(_ schema: [String: Any]) -> Bool {
            (schema["type"] as? String) == "integer" || (schema["type"] as? [String])?.contains("integer") == true
        }
        // A body schema's properties and required fields, `allOf` members merged.
        func fields(of schema: [String: Any]) -> (properties: [String: Any], required: [String]) {
            var properties = schema["properties"] as? [String: Any] ?? [:]
            var required = schema["required"] as? [String] ?? []
            for member in schema["allOf"] as? [Any] ?? [] {
                let (more, needed) = fields(of: resolve(member))
                properties.merge(more) { first, _ in first }
                required += needed
            }
            return (properties, required)
        }
        var parameters: [IntegerParameter] = []
        var bodyIntegers: [BodyInteger] = []
        for (path, item) in try #require(document["paths"] as? [String: Any]) {
            // Parameters stated once for every operation of the path, and each operation's own.
            let shared = ((item as? [String: Any])?["parameters"] as? [Any] ?? []).map(resolve)
            for (method, operation) in item as? [String: Any] ?? [:] {
                guard let operation = operation as? [String: Any] else { continue }
                let listed = shared + (operation["parameters"] as? [Any] ?? []).map(resolve)
                var examples: [String: String] = [:]
                for parameter in listed where parameter["in"] as? String == "path" {
                    if let name = parameter["name"] as? String, let example = parameter["example"] {
                        examples[name] = "\(example)"
                    }
                }
                for parameter in listed where isInteger(resolve(parameter["schema"] as Any)) {
                    let schema = resolve(parameter["schema"] as Any)
                    let name = parameter["name"] as? String ?? "?"
                    parameters.append(
                        IntegerParameter(
                            method: method, path: path, name: name, location: parameter["in"] as? String ?? "?",
                            minimum: schema["minimum"] as? Int, maximum: schema["maximum"] as? Int,
                            examples: examples.filter { $0.key != name }))
                }
                let content = resolve(operation["requestBody"] as Any)["content"] as? [String: Any] ?? [:]
                for (_, media) in content {
                    let (properties, required) = fields(of: resolve(resolve(media)["schema"] as Any))
                    for (property, value) in properties where isInteger(resolve(value)) {
                        let schema = resolve(value)
                        bodyIntegers.append(
                            BodyInteger(
                                method: method, path: path, property: property, minimum: schema["minimum"] as? Int,
                                maximum: schema["maximum"] as? Int, examples: examples, required: required))
                    }
                }
            }
        }
        return (parameters.sorted { $0.description < $1.description }, bodyIntegers.sorted { $0.description < $1.description })
    }

    @Test func everyIntegerParameterStatesItsRange() throws {
        let (parameters, bodyIntegers) = try Self.integerInputs()
        #expect(parameters.count >= 8, "limit and offset of the paged routes: \(parameters)")
        for parameter in parameters {
            #expect(parameter.minimum != nil && parameter.maximum != nil, "\(parameter) states minimum and maximum")
            if parameter.location == "path" || parameter.path.contains("{") {
                let others = parameter.path.split(separator: "{").count - 1 - (parameter.location == "path" ? 1 : 0)
                #expect(parameter.examples.count == others, "\(parameter): every other path parameter has an example")
            }
        }
        // The smart playlists' rules take integers in their bodies (`everyIntegerBodyFieldRefusesWhatIsOutOfRange…`).
        #expect(bodyIntegers.count >= 15, "the rule's five numbers in three bodies: \(bodyIntegers)")
        for body in bodyIntegers {
            #expect(body.minimum != nil && body.maximum != nil, "\(body) states minimum and maximum")
            #expect(
                body.examples.count == body.path.split(separator: "{").count - 1, "\(body): every path parameter has an example")
        }
    }

    /// The real server, logged in: each value to each parameter answers 2xx in range and 400 with the JSON error
    /// outside it, and the server is alive after each.
    @Test func everyIntegerParameterRefusesWhatIsOutOfRangeAndTheServerLives() async throws {
        let (parameters, _) = try Self.integerInputs()
        try await Self.withLoggedInServer { served in
            var tried = 0
            for parameter in parameters {
                for value in Self.values {
                    let reply = try await served.send(
                        HTTPMethod(rawValue: parameter.method.uppercased()), parameter.target(value),
                        headers: [("Authorization", "Bearer \(served.token)")])
                    if parameter.accepts(value) {
                        #expect((200..<300).contains(reply.status), "\(parameter) = \(value.prefix(30)): \(reply.status)")
                    } else {
                        #expect(
                            reply.status == 400, "\(parameter) = \(value.prefix(30)): \(reply.status) \(reply.body.prefix(200))")
                        #expect(reply.json["error"]?["message"]?.stringValue?.contains("'\(parameter.name)'") == true)
                    }
                    let health = try await served.send(.GET, "/healthz")
                    #expect(health.status == 200 && served.isAlive, "the server lives after \(parameter) = \(value.prefix(30))")
                    tried += 1
                }
            }
            print("hostile numbers: \(tried) requests to \(parameters.count) integer parameters; the server lived")
            #expect(tried == parameters.count * Self.values.count)
        }
    }

    /// Runs `body` against the real server, logged in and synced once; stops the server whatever happens.
    static func withLoggedInServer(_ body: (ServedProcess) async throws -> Void) async throws {
        let served = try await ServedProcess.start()
        do {
            try await served.logIn()
            try await served.waitForTheFirstSync()
            try await body(served)
        } catch {
            try await served.stop()
            throw error
        }
        try await served.stop()
    }

    /// MultipartKit's parser traps on a byte above 127 in a part's header name, and one such request stopped the
    /// service (schemathesis found it). Every way a multipart body reaches a decoder refuses it instead: a token's
    /// upload, a session's upload whose CSRF field is read from the body, a page's form sent as multipart.
    @Test func aMultipartBodyWithANonASCIIHeaderNameIsRefusedAndTheServerLives() async throws {
        try await Self.withLoggedInServer { served in
            let boundary = "pk-hostile"
            let multipart = ("Content-Type", "multipart/form-data; boundary=\(boundary)")
            let bodies = [
                "--\(boundary)\r\nCöntent-Disposition: form-data; name=\"file\"; filename=\"a.json\"\r\n\r\n[]\r\n--\(boundary)--\r\n",
                "preamble\r\n--\(boundary)\r\nContent-Type: text/plain\r\n\u{00FF}: x\r\n\r\n[]\r\n--\(boundary)--\r\n",
            ]
            for body in bodies {
                let upload = try await served.send(
                    .POST, "/api/v1/plays/import", headers: [("Authorization", "Bearer \(served.token)"), multipart],
                    body: body)
                #expect(upload.status == 400, "\(upload.body.prefix(200))")
                let page = try await served.send(.POST, "/listening/import", headers: [multipart], body: body, withCookies: true)
                #expect(page.status == 403, "\(page.body.prefix(200))")
                let form = try await served.send(
                    .POST, "/smart/top", headers: [multipart, ("X-CSRF-Token", served.csrf)], body: body, withCookies: true)
                #expect(form.status == 400, "\(form.body.prefix(200))")
                #expect(served.isAlive)
            }
            #expect(try await served.send(.GET, "/healthz").status == 200)
            // A well-formed upload still goes through the same decoder.
            let good =
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; "
                + "filename=\"Streaming_History_Audio_2024_é.json\"\r\n\r\n[]\r\n--\(boundary)--\r\n"
            let accepted = try await served.send(
                .POST, "/api/v1/plays/import", headers: [("Authorization", "Bearer \(served.token)"), multipart], body: good)
            #expect(accepted.status == 200, "\(accepted.body.prefix(300))")
        }
    }

    /// The real server, logged in: each value, as the raw JSON text a client could send, in each integer field of
    /// each request body: 2xx in range, 400 or 422 with the JSON error outside it (naming the field when the value
    /// is a number JSON can hold), and the server alive after each.
    @Test func everyIntegerBodyFieldRefusesWhatIsOutOfRangeAndTheServerLives() async throws {
        let (_, bodies) = try Self.integerInputs()
        try await Self.withLoggedInServer { served in
            let json = [("Authorization", "Bearer \(served.token)"), ("Content-Type", "application/json")]
            // The example key names a built-in, whose rule cannot be changed: the run changes a rule of its own.
            let created = try await served.send(
                .POST, "/api/v1/smart", headers: json, body: #"{"name": "Hostile", "from": ["history"]}"#)
            #expect(created.status == 201, "\(created.body.prefix(300))")
            var tried = 0
            for body in bodies {
                var path = body.path
                for (name, example) in body.examples {
                    path = path.replacingOccurrences(of: "{\(name)}", with: name == "key" ? "hostile" : example)
                }
                for value in Self.values {
                    let names = body.required.filter { $0 != body.property }.map { "\"\($0)\": \"Hostile \(tried)\", " }
                    let reply = try await served.send(
                        HTTPMethod(rawValue: body.method.uppercased()), path, headers: json,
                        body: "{\(names.joined())\"\(body.property)\": \(value)}")
                    let what = "\(body) = \(value.prefix(30))"
                    if body.accepts(value) {
                        #expect((200..<300).contains(reply.status), "\(what): \(reply.status) \(reply.body.prefix(200))")
                    } else {
                        #expect([400, 422].contains(reply.status), "\(what): \(reply.status) \(reply.body.prefix(200))")
                        let message = reply.json["error"]?["message"]?.stringValue ?? ""
                        if Double(value).map({ $0.isFinite }) == true {
                            let spelled = [body.property, body.property.replacingOccurrences(of: "_", with: "-")]
                            #expect(spelled.contains { message.contains($0) }, "\(what): \(message)")
                        } else {
                            #expect(!message.isEmpty, "\(what): \(reply.body.prefix(200))")
                        }
                    }
                    let health = try await served.send(.GET, "/healthz")
                    #expect(health.status == 200 && served.isAlive, "the server lives after \(what)")
                    tried += 1
                }
            }
            print("hostile numbers in bodies: \(tried) requests to \(bodies.count) integer fields; the server lived")
            #expect(tried == bodies.count * Self.values.count)
        }
    }

    /// Each numeric flag, with each hostile value it does not take: exit 2 with a message that names the flag,
    /// never a trap.
    @Test(arguments: [
        (["sync"], "--concurrency", 1...64), (["sync"], "--wait", 0...86_400), (["serve"], "--port", 0...65_535),
        (["demo"], "--port", 0...65_535), (["login", "--no-browser"], "--timeout", 1...86_400),
        (["emulator"], "--port", 0...65_535), (["emulator"], "--seed", 0...Int(UInt32.max)),
        (["emulator"], "--playlists", 0...10_000), (["emulator"], "--items", 0...100_000),
        (["emulator"], "--latency-ms", 0...60_000), (["emulator"], "--rate-limit", 1...1_000_000),
        (["emulator"], "--fault-rate", 0...1), (["plays"], "--limit", 1...100_000), (["top", "tracks"], "--limit", 1...1_000),
    ])
    func everyNumericFlagRefusesWhatIsOutOfRange(command: [String], flag: String, range: ClosedRange<Int>) async throws {
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("pk-flags-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        for value in Self.values where Int(value).map({ !range.contains($0) }) ?? true {
            let run = try ExecutableTests.Run(
                command + [flag, value], environment: ["PLAYKEEPER_DATA_DIR": data.path, "SPOTIFY_CLIENT_ID": "x"])
            let code = try await run.exitCode(timeout: 30)
            #expect(code == 2, "\(command) \(flag) \(value.prefix(30)): exit \(code); \(run.errors.suffix(300))")
            #expect(run.errors.contains(flag.dropFirst(2)), "\(flag) \(value.prefix(30)): \(run.errors.suffix(300))")
            if let number = Int(value), number >= 0 {
                // A whole number the parser reads reaches the range check, which says the range.
                #expect(run.errors.contains("\(flag) must be a"), "\(flag) \(value.prefix(30)): \(run.errors.suffix(300))")
            }
        }
    }

    /// Numeric settings from the environment: a clear error naming the variable, never a trap or an endless value.
    @Test func everyNumericSettingRefusesWhatIsOutOfRange() throws {
        for value in Self.values + ["-5m", "1e309s", "nan", "inf", "31d"] {
            if let port = Int(value), (1...65_535).contains(port) {
                #expect(try ServerSettings.fromEnvironment(["PORT": value]).port == port)
            } else {
                Self.expectRefused("PORT", value)
            }
            if let seconds = Double(value), (60...2_592_000).contains(seconds) {
                #expect(try ServerSettings.fromEnvironment(["PLAYKEEPER_SYNC_INTERVAL": value]).syncInterval == seconds)
            } else {
                Self.expectRefused("PLAYKEEPER_SYNC_INTERVAL", value)
            }
            if let seconds = Double(value), (1...60).contains(seconds) {
                #expect(try ServerSettings.fromEnvironment(["PLAYKEEPER_SCHEDULER_TICK": value]).tick == seconds)
            } else {
                Self.expectRefused("PLAYKEEPER_SCHEDULER_TICK", value)
            }
            if let seconds = Double(value), (4...3600).contains(seconds) {
                #expect(try ServerSettings.fromEnvironment(["PLAYKEEPER_JOB_LEASE": value]).jobLease == seconds)
            } else {
                Self.expectRefused("PLAYKEEPER_JOB_LEASE", value)
            }
            if let size = Int(value), (1...10_000).contains(size) {
                #expect(try MirrorContext.shardSize(["PLAYKEEPER_SHARD_SIZE": value]) == size)
            } else {
                let error = #expect(throws: (any Error).self, "PLAYKEEPER_SHARD_SIZE=\(value.prefix(30))") {
                    try MirrorContext.shardSize(["PLAYKEEPER_SHARD_SIZE": value])
                }
                #expect(error.map { "\($0)".contains("PLAYKEEPER_SHARD_SIZE") } == true)
            }
            if let seconds = Int(value), (0...600).contains(seconds) {
                #expect(try MirrorContext.countsAfterMS(["PLAYKEEPER_COUNTS_AFTER": value]) == seconds * 1000)
            } else {
                let error = #expect(throws: (any Error).self, "PLAYKEEPER_COUNTS_AFTER=\(value.prefix(30))") {
                    try MirrorContext.countsAfterMS(["PLAYKEEPER_COUNTS_AFTER": value])
                }
                #expect(error.map { "\($0)".contains("PLAYKEEPER_COUNTS_AFTER") } == true)
            }
        }
        #expect(try MirrorContext.countsAfterMS([:]) == 30_000)
        #expect(try ServerSettings.fromEnvironment(["PLAYKEEPER_SYNC_INTERVAL": "90m"]).syncInterval == 5400)
        #expect(try ServerSettings.fromEnvironment(["PLAYKEEPER_SYNC_INTERVAL": "6h"]).syncInterval == 21_600)
    }

    static func expectRefused(_ name: String, _ value: String) {
        let error = #expect(throws: (any Error).self, "\(name)=\(value.prefix(30))") {
            try ServerSettings.fromEnvironment([name: value])
        }
        #expect(error.map { "\($0)".contains(name) } == true)
    }
}
