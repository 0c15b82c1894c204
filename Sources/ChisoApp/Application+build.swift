import ChisoAlerts
import ChisoCore
import ChisoStorage
import ChisoWeb
import Foundation
import Hummingbird
import Logging
import NIOSSL
import PostgresNIO
import ServiceLifecycle

/// What `buildApplication` wires, for callers (tests) that want to look inside.
public struct ChisoParts: Sendable {
    public let store: SnapshotStore
    public let metrics: OperationalMetrics
    /// The settings as last reloaded.
    public let live: LiveSettings
    /// Reloads on SIGHUP (nil when `buildApplication` was given no way to re-read the settings).
    public let reloader: ConfigReloader?
}

extension Settings {
    /// The way to the database (libpq settles the endpoint, a pool connects there): the daemon's,
    /// the commands' and the tests'. Six connections at most: a refresh and a QĐ 766 publication
    /// take two each at once (a second one reads through the first's snapshot), the leader lease
    /// and the alert outbox one each; the lease, renewed every 3 s, must not wait behind a full read.
    public func makeDatabase(logger: Logger, connectedLevel: Logger.Level = .info) -> DatabasePool {
        DatabasePool(
            location: database, maximumConnections: Self.databaseConnections, logger: logger, poolLogger: poolLogger(logger),
            connectedLevel: connectedLevel)
    }

    /// The pool's connections at most (`makeDatabase`).
    public static let databaseConnections = 6

    /// A full read of the inputs with these settings (schema, timeouts, the working days of feedback deadlines).
    public func kpiSource(client: any ConnectionSource, logger: Logger) -> PostgresKPISource {
        PostgresKPISource(
            client: client, schema: schema, statementTimeout: statementTimeout, connectTimeout: database.connectTimeout,
            workingDays: workingDays, logger: logger)
    }
}

/// Builds the daemon: one ordered group of services — the database pool first, then the leader
/// election, the refresher, the reloader and the alert service, then the HTTP server (Hummingbird
/// appends it) — shut down in reverse on SIGTERM/SIGINT. Shared by `chiso serve` and the tests.
public func buildApplication(
    _ settings: Settings,
    logger: Logger,
    source: (any KPISource)? = nil,
    history: (any SnapshotHistory)? = nil,
    time: EvaluationClock? = nil,
    live: LiveSettings? = nil,
    reload: (@Sendable () async -> Result<Settings, ConfigurationErrors>)? = nil
) -> (application: some ApplicationProtocol, parts: ChisoParts) {
    let time = time ?? settings.clock
    let live = live ?? LiveSettings(settings)
    let client = settings.makeDatabase(logger: logger)
    let store = SnapshotStore()
    let metrics = OperationalMetrics()
    // Replicas on one database: one leader, by a lease in chiso's schema; it alone writes the
    // history and decides the digests (each such write checks the lease in its transaction).
    let leadership = Leadership()
    let election = LeaderElection(
        lease: PostgresLeaderLease(client: client, schema: settings.schema, logger: logger), leadership: leadership,
        registry: metrics.registry, clock: ContinuousClock(), logger: logger)
    let refresher = makeRefresher(
        settings, client: client, source: source, history: history, store: store, metrics: metrics.refresh, live: live,
        leadership: leadership, time: time, logger: logger)
    let reloader = reload.map { ConfigReloader(live: live, metrics: metrics.reload, logger: logger, load: $0) }
    var services: [any Service] = [client, election, refresher]
    if let reloader { services.append(reloader) }
    if settings.alerts.enabled {
        services.append(
            makeAlertService(settings, client: client, store: store, metrics: metrics.alerts, logger: logger, time: time, leadership: leadership))
    }
    // The monthly QĐ 766 publication: served on request and written into the output directory.
    let publisher = CachedQD766Publisher(QD766Publisher(live: live, source: settings.kpiSource(client: client, logger: logger)))
    if let directory = settings.outputDirectory, source == nil {
        services.append(
            MonthlyPublicationService(
                publisher: publisher, directory: directory, calendar: settings.calendar, time: time, clock: ContinuousClock(), logger: logger,
                leadership: leadership))
    }
    // Room for max_connections: the soft open-files limit up to the hard one.
    OpenFiles.raiseSoftLimit()
    // HEAD for every GET (same headers, no body); anything else on a known path: 405 with Allow.
    let router = Router(options: .autoGenerateHeadEndpoints)
    Routes.add(
        to: router, store: store, operationalMetrics: { metrics.render() },
        staleAfter: settings.refreshInterval * 3, time: time, role: { leadership.summary },
        publications: publisher)
    let application = Application(
        router: router,
        server: .http1(
            configuration: .init(
                additionalChannelHandlers: [HTTP10Connections.installer()], idleTimeout: .init(settings.http.idleTimeout))),
        configuration: .init(
            address: .hostname(settings.listenHost, port: settings.listenPort), serverName: "chiso",
            availableConnectionsDelegate: ConnectionLimit(settings.http.maxConnections, logger: logger)),
        services: services,
        logger: logger)
    return (application, ChisoParts(store: store, metrics: metrics, live: live, reloader: reloader))
}

/// The refresher over PostgreSQL (or the given source and history): the catalogue follows
/// reloads; the calendar (time zone) and the timeout are the start's.
func makeRefresher(
    _ settings: Settings, client: DatabasePool, source: (any KPISource)?, history: (any SnapshotHistory)?, store: SnapshotStore,
    metrics: RefreshMetrics, live: LiveSettings, leadership: Leadership, time: EvaluationClock, logger: Logger
) -> Refresher<ContinuousClock> {
    let inputs: any KPISource
    switch (source, settings.refresh.mode) {
    case (let given?, _): inputs = given
    case (nil, let mode):
        // Replicas: the leader trims the change log (the others read it, and reload when it was
        // trimmed past them). `full` reads everything every time and still trims the log.
        inputs = PostgresIncrementalSource(
            client: client, schema: settings.schema, statementTimeout: settings.statementTimeout,
            connectTimeout: settings.database.connectTimeout, incremental: mode == .incremental, fullEvery: settings.refresh.fullEvery,
            trims: { leadership.isLeader }, workingDays: settings.workingDays, logger: logger)
    }
    let startCalendar = settings.calendar
    // One memo for the pipeline of every pass (made again after a reload): an idle pass reuses
    // the last evaluation when nothing it depends on moved.
    let memo = EvaluationMemo()
    return Refresher(
        pipeline: makePipeline(settings, source: inputs, memo: memo),
        history: history
            ?? PostgresSnapshotHistory(
                client: client, schema: settings.schema, statementTimeout: settings.statementTimeout, logger: logger,
                fence: { leadership.fence }),
        store: store, site: settings.outputDirectory.map { StaticSite(directory: $0) }, metrics: metrics,
        interval: settings.refreshInterval, time: time, clock: ContinuousClock(), logger: logger,
        explainer: FailureExplainer(database: client),
        livePipeline: {
            let evaluator = Evaluator(catalogue: live.current.catalogue, calendar: startCalendar, qd766: live.current.qd766)
            return SnapshotPipeline(source: inputs, evaluator: evaluator, timeout: settings.refreshTimeout, memo: memo)
        },
        // An injected history (tests) is written whatever the lease says.
        leadership: history == nil ? leadership : nil, metricsScope: settings.exposition.scope, notifier: SystemdNotifier())
}

/// PostgresNIO's pool logs each failed connection attempt at info level, several a second while
/// the server is away or refuses the password; chiso says it once, as an error, itself. The pool's
/// own lines show at debug and trace.
func poolLogger(_ logger: Logger) -> Logger {
    var pool = logger
    if logger.logLevel > .debug { pool.logLevel = .warning }
    return pool
}

/// Read → evaluate with the configured catalogue, time zone and refresh timeout.
public func makePipeline(_ settings: Settings, source: any KPISource, memo: EvaluationMemo = EvaluationMemo()) -> SnapshotPipeline {
    SnapshotPipeline(
        source: source, evaluator: Evaluator(catalogue: settings.catalogue, calendar: settings.calendar, qd766: settings.qd766),
        timeout: settings.refreshTimeout, memo: memo)
}

/// Runs `body` with a live PostgreSQL client (for the one-shot commands).
func withDatabase<T: Sendable>(
    _ settings: Settings, logger: Logger, _ body: @escaping @Sendable (any ConnectionSource) async throws -> T
) async throws -> T {
    let client = settings.makeDatabase(logger: logger, connectedLevel: .debug)
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            await client.run()
            return nil
        }
        defer { group.cancelAll() }
        // A database that is away fails the command within connect_timeout, with its cause.
        do {
            try await client.ping(within: settings.database.connectTimeout)
        } catch {
            throw DatabaseUnreachable(description: await FailureExplainer(database: client).explain(error))
        }
        return try await body(client)
    }
}

/// The alert service over PostgreSQL's outbox, the configured mail command and optional webhook.
public func makeAlertService(
    _ settings: Settings, client: any ConnectionSource, store: SnapshotStore?, metrics: AlertMetrics, logger: Logger,
    time: EvaluationClock? = nil, leadership: Leadership? = nil
) -> AlertService<ContinuousClock> {
    let alerts = settings.alerts
    var fence: (@Sendable () -> LeaseFence?)?
    if let leadership { fence = { leadership.fence } }
    return AlertService(
        outbox: PostgresAlertOutbox(
            client: client, schema: settings.schema, statementTimeout: settings.statementTimeout, logger: logger, fence: fence),
        composer: MailComposer(sender: alerts.from, calendar: settings.calendar, pageURL: alerts.pageURL),
        mail: SendmailHook(argv: alerts.command, timeout: alerts.timeout),
        webhook: alerts.webhookURL.map { WebhookHook(url: $0, secret: alerts.webhookSecret, timeout: alerts.timeout) },
        settings: alerts, calendar: settings.calendar, store: store, metrics: metrics,
        time: time ?? settings.clock, clock: ContinuousClock(), logger: logger, leadership: leadership)
}
