import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix
import Synchronization

/// A request as the client sends it. `endpoint` names it for logs and errors without ids or secrets.
public struct SpotifyHTTPRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [(name: String, value: String)]
    public var body: Data?
    /// Whether a 3xx answer is followed (the Web API's calls) or handed back as it is (the check of an authorize
    /// address, whose redirect goes to the person's own callback).
    public var followsRedirects: Bool

    public init(
        method: String, url: URL, headers: [(name: String, value: String)] = [], body: Data? = nil,
        followsRedirects: Bool = true
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.followsRedirects = followsRedirects
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

    /// Starts one request and calls `completion` once, with the whole response or a `TransportFailure`, on the
    /// thread the answer arrives on. A request gate starts the next waiting request right there. Returns what
    /// cancels the request.
    func start(
        _ request: SpotifyHTTPRequest, completion: @escaping @Sendable (Result<SpotifyHTTPResponse, any Error>) -> Void
    ) -> TransportCancel
}

/// Cancels a request a transport started.
public typealias TransportCancel = @Sendable () -> Void

extension SpotifyTransport {
    /// `send` in a task of its own, for transports without a way to answer from their own threads.
    public func start(
        _ request: SpotifyHTTPRequest, completion: @escaping @Sendable (Result<SpotifyHTTPResponse, any Error>) -> Void
    ) -> TransportCancel {
        let task = Task {
            do {
                completion(.success(try await send(request)))
            } catch {
                completion(.failure(error))
            }
        }
        return { task.cancel() }
    }
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
        let cancel = CancelBox()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                cancel.set(start(request) { continuation.resume(with: $0) })
            }
        } onCancel: {
            cancel.cancel()
        }
    }

    /// The response is gathered on the connection's event loop, and `completion` called there.
    public func start(
        _ request: SpotifyHTTPRequest, completion: @escaping @Sendable (Result<SpotifyHTTPResponse, any Error>) -> Void
    ) -> TransportCancel {
        let outgoing: HTTPClient.Request
        do {
            var headers = HTTPHeaders()
            for header in request.headers { headers.add(name: header.name, value: header.value) }
            outgoing = try HTTPClient.Request(
                url: request.url, method: HTTPMethod(rawValue: request.method), headers: headers,
                body: request.body.map { .byteBuffer(ByteBuffer(data: $0)) })
        } catch {
            completion(.failure(TransportFailure.notSent("\(error)")))
            return {}
        }
        let task = (request.followsRedirects ? client : Self.withoutRedirects).execute(
            request: outgoing, delegate: ResponseAccumulator(request: outgoing, maxBodySize: maximumBodyBytes),
            deadline: .now() + timeout)
        task.futureResult.whenComplete { result in
            completion(
                result.map { response in
                    var headers: [String: String] = [:]
                    for header in response.headers { headers[header.name.lowercased()] = header.value }
                    return SpotifyHTTPResponse(
                        status: Int(response.status.code), headers: headers,
                        body: response.body.map { Data(buffer: $0, byteTransferStrategy: .automatic) } ?? Data())
                }
                .mapError(Self.failure))
        }
        return { task.cancel() }
    }

    /// A client that hands 3xx answers back, for the requests that ask so; it lives as long as the process.
    static let withoutRedirects: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// What a failure of AsyncHTTPClient means for repeating the request.
    static func failure(_ error: any Error) -> any Error {
        switch error {
        case let error as HTTPClientError where error == .connectTimeout:
            return TransportFailure.notSent("connection timed out")
        case let error as NIOConnectionError:
            return TransportFailure.notSent(
                "connection failed: \(error.connectionErrors.first.map { "\($0.error)" } ?? "no address")")
        case let error as IOError where error.errnoCode == ECONNREFUSED:
            return TransportFailure.notSent("connection refused")
        case ChannelError.connectTimeout:
            return TransportFailure.notSent("connection timed out")
        default:
            return TransportFailure.interrupted("\(error)")
        }
    }
}

/// Holds what cancels a started request, for a cancellation that may come before or after it starts.
final class CancelBox: Sendable {
    private let state = Mutex<(cancel: TransportCancel?, cancelled: Bool)>((nil, false))

    func set(_ cancel: @escaping TransportCancel) {
        let cancelNow = state.withLock { state in
            state.cancel = cancel
            return state.cancelled
        }
        if cancelNow { cancel() }
    }

    func cancel() {
        let cancel = state.withLock { state in
            state.cancelled = true
            return state.cancel
        }
        cancel?()
    }

    var isCancelled: Bool { state.withLock { $0.cancelled } }
}
