import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix

/// A request as the client sends it. `endpoint` names it for logs and errors without ids or secrets.
public struct SpotifyHTTPRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [(name: String, value: String)]
    public var body: Data?

    public init(method: String, url: URL, headers: [(name: String, value: String)] = [], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

public struct SpotifyHTTPResponse: Sendable {
    public var status: Int
    /// Header names are lower-cased.
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Why a request got no answer.
public enum TransportFailure: Error, Sendable {
    /// The connection could not be made: the request never left, so repeating it is safe.
    case notSent(String)
    /// The connection broke after the request may have reached Spotify.
    case interrupted(String)
}

/// The seam between the client and the network, so tests can run against the emulator or a fake.
public protocol SpotifyTransport: Sendable {
    /// Sends one request and returns the whole response, or throws a `TransportFailure`.
    func send(_ request: SpotifyHTTPRequest) async throws -> SpotifyHTTPResponse
}

/// The production transport, on AsyncHTTPClient.
public struct AsyncHTTPClientTransport: SpotifyTransport {
    public let client: HTTPClient
    public var timeout: TimeAmount
    public var maximumBodyBytes: Int

    public init(client: HTTPClient = .shared, timeout: TimeAmount = .seconds(30), maximumBodyBytes: Int = 32 << 20) {
        self.client = client
        self.timeout = timeout
        self.maximumBodyBytes = maximumBodyBytes
    }

    public func send(_ request: SpotifyHTTPRequest) async throws -> SpotifyHTTPResponse {
        var outgoing = HTTPClientRequest(url: request.url.absoluteString)
        outgoing.method = HTTPMethod(rawValue: request.method)
        for header in request.headers { outgoing.headers.add(name: header.name, value: header.value) }
        if let body = request.body { outgoing.body = .bytes(ByteBuffer(data: body)) }
        do {
            let response = try await client.execute(outgoing, timeout: timeout)
            let body = try await response.body.collect(upTo: maximumBodyBytes)
            var headers: [String: String] = [:]
            for header in response.headers { headers[header.name.lowercased()] = header.value }
            return SpotifyHTTPResponse(status: Int(response.status.code), headers: headers, body: Data(buffer: body))
        } catch let error as HTTPClientError where error == .connectTimeout {
            throw TransportFailure.notSent("connection timed out")
        } catch let error as NIOConnectionError {
            throw TransportFailure.notSent(
                "connection failed: \(error.connectionErrors.first.map { "\($0.error)" } ?? "no address")")
        } catch let error as IOError where error.errnoCode == ECONNREFUSED {
            throw TransportFailure.notSent("connection refused")
        } catch ChannelError.connectTimeout {
            throw TransportFailure.notSent("connection timed out")
        } catch let error as HTTPClientError {
            throw TransportFailure.interrupted("\(error)")
        } catch {
            throw TransportFailure.interrupted("\(error)")
        }
    }
}
