import FluentKit
import Foundation
import Library
import Logging
import SpotifyWebAPI
import Store

/// The CLI's, the API's, the page's and the scheduler's way to `UserActions`, the one entry point into a person's
/// library: builds it for a caller, on the store's settings.
public enum UserJobs {
    /// The entry point for `user`, acting as `origin`. A command passes `printing` to say in one line, before
    /// its own output, what it recovered.
    public static func actions(
        _ user: UserRecord, context: MirrorContext, api: SpotifyAPI, origin: String, printing: Bool = false,
        logger: Logger? = nil
    ) -> UserActions {
        var actions = UserActions(database: context.database, api: api, tokens: context.tokens, user: user, origin: origin)
        if let logger { actions.logger = logger }
        actions.shardSize = context.shardSize
        actions.countsAfterMS = context.countsAfterMS
        if printing { actions.onRecovery = { Output.progress($0.line) } }
        return actions
    }
}
