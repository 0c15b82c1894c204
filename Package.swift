// swift-tools-version: 6.1
import PackageDescription

/// The strictness hummingbird itself builds with: `any` spelled out on every existential, and a
/// member used only where its module is imported in that file.
let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility")]

let package = Package(
    name: "chiso",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "chiso", targets: ["chiso"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
    ],
    targets: [
        // The pure core, the domain: catalogue, periods, rollups, status, projections, alert decisions.
        // No I/O; time is a parameter.
        .target(
            name: "ChisoCore",
            resources: [.embedInCode("Catalogue/catalogue-2026.json"), .embedInCode("Catalogue/qd766-2026.json")],
            swiftSettings: strict
        ),
        // How the domain is shown and exchanged: the page's view model, words and numbers for
        // people, the Prometheus text and the JSON document. Pure, like the core.
        .target(name: "ChisoPresentation", dependencies: ["ChisoCore"], swiftSettings: strict),
        // Data in: CSV files of the input contract, the plan's appendix, the demo year. Pure (the
        // database side of an import is in ChisoStorage).
        .target(
            name: "ChisoImport",
            dependencies: ["ChisoCore"],
            resources: [.embedInCode("Plan/ke-hoach-cchc-2026.tsv")],
            swiftSettings: strict
        ),
        // libpq (Debian: libpq-dev), which reads the user's connection settings the way psql does.
        .systemLibrary(name: "CLibpq", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // All SQL lives here, and nowhere else; and the way to the database (libpq, then the pool).
        .target(
            name: "ChisoStorage",
            dependencies: [
                "ChisoCore", "ChisoImport", "CLibpq",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // sql/roles.sql is run by the IT person with psql, not by chiso.
            exclude: ["Migrations/roles.sql"],
            resources: [
                .embedInCode("Migrations/V001__input_contract.sql"),
                .embedInCode("Migrations/V002__snapshot_history.sql"),
                .embedInCode("Migrations/V003__trend_index.sql"),
                .embedInCode("Migrations/V004__alert_outbox.sql"),
                .embedInCode("Migrations/V005__contract_for_every_writer.sql"),
                .embedInCode("Migrations/V006__leader_lease.sql"),
                .embedInCode("Migrations/V007__change_capture.sql"),
                .embedInCode("Migrations/V008__late_official.sql"),
                .embedInCode("Migrations/V009__paid_online.sql"),
                .embedInCode("Migrations/V010__definer_search_path.sql"),
                .embedInCode("Migrations/V011__dossier_key_moves.sql"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "ChisoWeb",
            dependencies: [
                "ChisoCore", "ChisoPresentation",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "CompressNIO", package: "compress-nio"),
            ],
            // Static -> ../../static: the stylesheet and templates live at the top level.
            exclude: ["Static/mail"],
            resources: [
                .embedInCode("Static/chiso.css"), .embedInCode("Static/status.mustache"), .embedInCode("Static/status-row.mustache"),
                .embedInCode("Static/status-card.mustache"), .embedInCode("Static/status-attention-line.mustache"),
                .embedInCode("Static/status-unit-block.mustache"), .embedInCode("Static/status-task-row.mustache"),
                .embedInCode("Static/qd766.mustache"),
                .embedInCode("Static/report.mustache"),
            ],
            swiftSettings: strict
        ),
        // Alerts: the digest mail (templates in static/), the mail command and the webhook.
        .target(
            name: "ChisoAlerts",
            dependencies: [
                "ChisoCore", "ChisoPresentation",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [.embedInCode("Mail/digest.txt.mustache"), .embedInCode("Mail/digest.html.mustache")],
            swiftSettings: strict
        ),
        .target(
            name: "ChisoApp",
            dependencies: [
                "ChisoCore", "ChisoPresentation", "ChisoImport", "ChisoStorage", "ChisoWeb", "ChisoAlerts",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "chiso", dependencies: ["ChisoApp", .product(name: "ArgumentParser", package: "swift-argument-parser")], swiftSettings: strict),
        .testTarget(name: "ChisoCoreTests", dependencies: ["ChisoCore"], swiftSettings: strict),
        .testTarget(name: "ChisoPresentationTests", dependencies: ["ChisoCore", "ChisoPresentation", "ChisoImport"], swiftSettings: strict),
        .testTarget(
            name: "ChisoWebTests",
            dependencies: ["ChisoCore", "ChisoPresentation", "ChisoWeb", .product(name: "Mustache", package: "swift-mustache")], swiftSettings: strict
        ),
        .testTarget(name: "ChisoAlertsTests", dependencies: ["ChisoCore", "ChisoAlerts"], swiftSettings: strict),
        .testTarget(
            name: "ChisoIntegrationTests",
            dependencies: [
                "ChisoApp", "ChisoCore", "ChisoPresentation", "ChisoImport", "ChisoStorage", "ChisoWeb", "ChisoAlerts",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOFoundationEssentialsCompat", package: "swift-nio"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            resources: [.copy("Fixtures"), .copy("Golden"), .copy("BadConfigs"), .copy("Imports")],
            swiftSettings: strict
        ),
    ]
)
