import FluentKit
import Foundation
import Library
import PlaykeeperJSON
import Store
import Vapor

/// The listening history: the caller's plays, newest first, and the stretches whose plays may be missing.
struct HistoryRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("plays", use: plays)
        routes.get("history", "gaps", use: gaps)
        routes.on(.POST, "plays", "import", body: .collect(maxSize: Self.uploadLimit), use: importExport)
    }

    /// The largest upload `POST /api/v1/plays/import` and the Listening page take, in MB: a ten-year export zip is
    /// a few tens of MB.
    static let uploadLimitMB = 200
    static let uploadLimit = ByteCount(value: uploadLimitMB << 20)

    /// `POST /api/v1/plays/import`: one file, as multipart/form-data field `file`: the zip Spotify sends, or one
    /// history `.json` file. Each history file in it is imported in its own transaction.
    func importExport(_ request: Request) async throws -> Response {
        let (reports, others) = try await Self.importUpload(request, origin: "the API")
        return .json(["files": try JSONValue(encoding: reports, snakeCase: true), "other_files": JSONValue(others)])
    }

    /// Imports the export uploaded as multipart/form-data field `file` (the API's and the page's upload).
    static func importUpload(_ request: Request, origin: String) async throws -> (
        reports: [PlayImporter.FileReport], others: Int
    ) {
        struct Upload: Content {
            var file: File
        }
        let needed = PlaykeeperError(.malformed, "send the export as multipart/form-data, in a field named 'file'")
        guard request.headers.contentType?.type == "multipart" else { throw needed }
        guard let upload = try? request.content.decode(Upload.self) else { throw needed }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pk-upload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let name = (upload.file.filename as NSString).lastPathComponent
        let path = folder.appendingPathComponent(name.isEmpty || name.hasPrefix(".") ? "upload.json" : name)
        try Data(upload.file.data.readableBytesView).write(to: path)
        let sources = try ExportSources(paths: [path.path])
        let actions = try request.userActions(origin: origin)
        let reports = try await actions.importPlays(sources.files)
        // New plays may change what a smart playlist holds: the plays job (a poll, then the updates that are due)
        // runs now rather than at its hour. One already running takes them up at its next turn.
        if reports.contains(where: { $0.added > 0 }), try await !actions.smartService.enabledKeys().isEmpty {
            _ = try? await request.service.scheduler.enqueue(user: actions.user, kind: .plays, trigger: "import")
        }
        return (reports, sources.others)
    }

    func plays(_ request: Request) async throws -> Response {
        let caller = try request.requireCaller()
        let (limit, offset) = try request.page()
        var query = PlayRecord.query(on: request.database).filter(\.$user.$id == caller.userID)
        if let text = request.query[String.self, at: "since"] {
            guard let since = PlayViews.since(text) else {
                throw PlaykeeperError(.malformed, "'since' is a day like 2026-11-01 or a time like 2026-11-01T18:00:00Z")
            }
            query = query.filter(\.$playedAt >= since)
        }
        let total = try await query.copy().count()
        let plays = try await query.sort(\.$playedAt, .descending).offset(offset).limit(limit).all()
        return .json(MirrorViews.page(plays.map(PlayViews.play), total: total, limit: limit, offset: offset))
    }

    func gaps(_ request: Request) async throws -> Response {
        let caller = try request.requireCaller()
        let (limit, offset) = try request.page()
        let query = PlayGapRecord.query(on: request.database).filter(\.$user.$id == caller.userID)
        let total = try await query.copy().count()
        let gaps = try await query.sort(\.$startsAt, .descending).offset(offset).limit(limit).all()
        return .json(MirrorViews.page(gaps.map(PlayViews.gap), total: total, limit: limit, offset: offset))
    }
}

/// The statistics of the listening history: top tracks, artists and albums, and a period's summary.
struct StatsRoutes: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("stats", "top", ":kind", use: top)
        routes.get("stats", "summary", use: summary)
    }

    static func period(_ request: Request) throws -> ListeningPeriod {
        let text = request.query[String.self, at: "period"] ?? "30d"
        do {
            return try ListeningPeriod.parse(text, now: request.service.now(), field: "'period'")
        } catch let error as PlaykeeperError {
            throw PlaykeeperError(.malformed, error.message)
        }
    }

    static func reader(_ request: Request, _ caller: Caller) -> HistoryReader {
        HistoryReader(database: request.database, user: caller.user, minimumMS: request.service.mirror.countsAfterMS)
    }

    func top(_ request: Request) async throws -> Response {
        let caller = try request.requireCaller()
        let kind = try StatsViews.kind(request.parameters.get("kind") ?? "", field: "the kind", as: .notFound)
        let order = try StatsViews.order(request.query[String.self, at: "by"] ?? "plays", field: "'by'", as: .malformed)
        let limit = try request.integer("limit", in: 1...200) ?? 50
        let period = try Self.period(request)
        let top = try await Self.reader(request, caller).top(kind, by: order, limit: limit, in: period)
        return .json(StatsViews.top(top, kind: kind, order: order, period: period))
    }

    func summary(_ request: Request) async throws -> Response {
        let caller = try request.requireCaller()
        let period = try Self.period(request)
        let listening = try await Listening.read(Self.reader(request, caller), period: period)
        var view = try StatsViews.summary(listening.summary, period: period, historyBegins: listening.historyBegins)
        // What only a history beside the mirror can say.
        let (coverage, never) = (listening.coverage, listening.neverPlayed)
        view = view.merging([
            "playlists": try JSONValue(encoding: coverage, snakeCase: true),
            "never_played": [
                "count": JSONValue(never.count), "items": try JSONValue(encoding: Array(never.prefix(50)), snakeCase: true),
            ],
        ])
        return .json(view)
    }
}
