import Leaf
import LeafKit
import Vapor

/// Wires `playkeeper serve` into a Vapor application: middleware, the page renderer and every route.
public enum Server {
    public static func configure(_ app: Application, context: ServerContext) throws {
        app.storage[ServerContextKey.self] = context
        try GuardedFormDataDecoder.install()
        app.leaf.sources = LeafSources.singleSource(EmbeddedViews())
        app.views.use(.leaf)
        try app.register(collection: LoginRoutes())
        try app.register(collection: HealthRoutes())
        try app.register(collection: APIRoutes())
        try app.register(collection: PageRoutes())
        try app.register(collection: SmartPages())
        // Outermost first: every answer, errors included, carries the security headers.
        app.middleware = Middlewares()
        app.middleware.use(SecurityHeaders())
        app.middleware.use(ErrorResponder())
        app.middleware.use(HeaderSizeLimit())
        app.middleware.use(MethodNotAllowed(routes: app.routes))
        app.middleware.use(CallerMiddleware())
        app.middleware.use(CSRFMiddleware())
    }
}
