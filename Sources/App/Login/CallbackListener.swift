import Foundation
import Library
import Logging
import NIOCore
import NIOPosix
import Vapor

/// Listens on the redirect URI's loopback address for the one request Spotify's redirect makes.
final class CallbackListener: Sendable {
    private let app: Application
    private let received: AsyncStream<URL>
    private let continuation: AsyncStream<URL>.Continuation

    private init(app: Application, received: AsyncStream<URL>, continuation: AsyncStream<URL>.Continuation) {
        self.app = app
        self.received = received
        self.continuation = continuation
    }

    /// Binds the redirect URI's host and port. A busy port is reported with what to do instead.
    static func start(redirectURI: URL) async throws -> CallbackListener {
        guard let host = redirectURI.host, let port = redirectURI.port else {
            throw PlaykeeperError(.invalid, "the redirect URI \(redirectURI.absoluteString) needs an explicit port to listen on")
        }
        var logger = Logger(label: "playkeeper.login")
        logger.logLevel = .error
        let app = try await Application.make(.custom(name: "login"), .singleton, logger: logger)
        app.logger = logger
        let (stream, continuation) = AsyncStream<URL>.makeStream()
        let listener = CallbackListener(app: app, received: stream, continuation: continuation)
        let path = redirectURI.path.split(separator: "/").map { PathComponent.constant(String($0)) }
        app.get(path) { request -> Response in
            let full =
                redirectURI.absoluteString.components(separatedBy: "?")[0]
                + (request.url.query.map { "?\($0)" } ?? "")
            if let url = URL(string: full) { continuation.yield(url) }
            var headers = HTTPHeaders()
            headers.contentType = .html
            return Response(
                status: .ok, headers: headers,
                body: .init(
                    string:
                        "<!doctype html><title>Playkeeper</title><p>Playkeeper got Spotify's answer. You can close this tab and return to the terminal.</p>"
                ))
        }
        let bindHost = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        do {
            try await app.asyncBoot()
            try await app.server.start(address: .hostname(bindHost, port: port))
        } catch {
            try? await app.asyncShutdown()
            if let io = error as? IOError, io.errnoCode == EADDRINUSE {
                throw PlaykeeperError(
                    .failed,
                    "port \(port) is already in use (is 'playkeeper serve' running?). Log in through the web page "
                        + "instead, or run 'playkeeper login --paste'.")
            }
            throw PlaykeeperError(.failed, "cannot listen on \(bindHost):\(port): \(error)")
        }
        return listener
    }

    /// The first redirect that arrives, or `nil` after `timeout` seconds.
    func next(timeout: Double) async -> URL? {
        await withTaskGroup(of: URL?.self) { group in
            group.addTask { [received] in
                for await url in received { return url }
                return nil
            }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(timeout * 1_000_000_000))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            continuation.finish()
            return first
        }
    }

    func stop() async {
        continuation.finish()
        await app.server.shutdown()
        try? await app.asyncShutdown()
    }
}
