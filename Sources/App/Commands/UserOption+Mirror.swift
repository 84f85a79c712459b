import Store
import Vapor

extension UserOption {
    /// The store and the person a command acts for: `--user`, or the only person there is.
    func open(_ app: Application) async throws -> (mirror: MirrorContext, user: UserRecord) {
        let mirror = try await MirrorContext.open(app)
        return (mirror, try await mirror.user(user))
    }
}
