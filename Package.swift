// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "playkeeper",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "playkeeper", targets: ["playkeeper"]),
        .executable(name: "playkeeper-bench", targets: ["playkeeper-bench"]),
        .library(name: "SpotifyWebAPI", targets: ["SpotifyWebAPI"]),
        .library(name: "SpotifyEmulator", targets: ["SpotifyEmulator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "5.0.1"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/vapor/fluent-kit.git", from: "1.57.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/leaf.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/leaf-kit.git", from: "1.14.3"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/routing-kit.git", from: "4.9.3"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
    ],
    targets: [
        // A JSON tree with a fast parser and a stable serializer; Spotify objects keep their raw JSON in it.
        .target(name: "PlaykeeperJSON", swiftSettings: swiftSettings),
        // The Spotify client: models, OAuth, endpoints, paging, request budget. No server dependency.
        .target(
            name: "SpotifyWebAPI",
            dependencies: [
                "PlaykeeperJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // A Spotify you can run: Accounts service, Web API and an admin API, plus a library generator.
        .target(
            name: "SpotifyEmulator",
            dependencies: [
                "PlaykeeperJSON",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The mirror's store: Fluent models and migrations for SQLite and PostgreSQL, encrypted tokens, locks,
        // retention and each database's bulk write path.
        .target(
            name: "Store",
            dependencies: [
                "SpotifyWebAPI",
                "PlaykeeperJSON",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The domain: sync, duplicate rules and dedupe, the unified playlist, recovery, and the one entry point
        // per person (UserActions). No database driver: bulk writes go through Store.
        .target(
            name: "Library",
            dependencies: [
                "Store",
                "SpotifyWebAPI",
                "PlaykeeperJSON",
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The Vapor application and its commands.
        .target(
            name: "App",
            dependencies: [
                "SpotifyWebAPI",
                "SpotifyEmulator",
                "Store",
                "Library",
                "PlaykeeperJSON",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Leaf", package: "leaf"),
                .product(name: "RoutingKit", package: "routing-kit"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "LeafKit", package: "leaf-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            // Compiled into the binary, so an installed `playkeeper` needs no resource folder beside it.
            resources: [
                .embedInCode("Resources/openapi.yaml"), .embedInCode("Resources/playkeeper.css"),
                .embedInCode("Resources/Views/base.leaf"), .embedInCode("Resources/Views/home.leaf"),
                .embedInCode("Resources/Views/playlist.leaf"), .embedInCode("Resources/Views/unified.leaf"),
                .embedInCode("Resources/Views/journal.leaf"), .embedInCode("Resources/Views/account.leaf"),
                .embedInCode("Resources/Views/error.leaf"), .embedInCode("Resources/Views/listening.leaf"),
                .embedInCode("Resources/Views/smart.leaf"), .embedInCode("Resources/Views/smart-playlist.leaf"),
            ],
            swiftSettings: swiftSettings
        ),
        // Helpers the test targets share: an emulator harness, an injected clock, the fixture folder.
        .target(
            name: "EmulatorTestSupport",
            dependencies: [
                "SpotifyWebAPI",
                "SpotifyEmulator",
                "PlaykeeperJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "playkeeper",
            dependencies: ["App", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Benchmarks that print figures: `swift run -c release playkeeper-bench sync ...`.
        .executableTarget(
            name: "playkeeper-bench",
            dependencies: [
                "App",
                "Library",
                "Store",
                "SpotifyWebAPI",
                "PlaykeeperJSON",
                "SpotifyEmulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SpotifyWebAPITests",
            dependencies: ["SpotifyWebAPI", "SpotifyEmulator", "EmulatorTestSupport", "PlaykeeperJSON"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SpotifyEmulatorTests",
            dependencies: [
                "SpotifyEmulator",
                "EmulatorTestSupport",
                "PlaykeeperJSON",
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Vapor", package: "vapor"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "PlaykeeperJSONTests",
            dependencies: ["PlaykeeperJSON"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "StoreTests",
            dependencies: [
                "Store", .product(name: "Crypto", package: "swift-crypto"), .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LibraryTests",
            dependencies: ["Library", "SpotifyWebAPI", "PlaykeeperJSON", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AppTests",
            dependencies: [
                "App",
                "EmulatorTestSupport",
                "PlaykeeperJSON",
                "SpotifyEmulator",
                "SpotifyWebAPI",
                "Store",
                "Library",
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentKit", package: "fluent-kit"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            // Golden outputs are read from the repository by path, not bundled.
            exclude: ["Golden"],
            swiftSettings: swiftSettings
        ),
    ]
)
