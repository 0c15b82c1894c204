/// Every metric chiso exposes, in one place (`interface.md`, "Metrics").
public enum MetricName {
    public struct Family: Sendable {
        public let name: String
        public let type: String
        public let help: String
    }

    public static let indicatorRatio = Family(
        name: "chiso_indicator_ratio", type: "gauge", help: "Indicator value numerator/denominator (0..1); absent when there is no data.")
    public static let indicatorNumerator = Family(name: "chiso_indicator_numerator", type: "gauge", help: "Indicator numerator.")
    public static let indicatorDenominator = Family(
        name: "chiso_indicator_denominator", type: "gauge", help: "Indicator denominator; 0 when there is no data.")
    public static let indicatorTargetRatio = Family(name: "chiso_indicator_target_ratio", type: "gauge", help: "Indicator target from the catalogue.")
    public static let indicatorInfo = Family(
        name: "chiso_indicator_info", type: "gauge",
        help: "1 for each catalogue indicator, with its plan reference and plan section (join on indicator to count by section).")
    public static let indicatorMet = Family(
        name: "chiso_indicator_met", type: "gauge", help: "1 when the indicator meets its target, 0 when not; absent when there is no data.")
    public static let tasksOverdue = Family(
        name: "chiso_tasks_overdue", type: "gauge", help: "Open tasks past their due date, over the unit's subtree.")
    public static let dossiersOverdue = Family(
        name: "chiso_dossiers_overdue", type: "gauge", help: "Unfinished dossiers past their due time, over the unit's subtree.")
    public static let qd766Score = Family(
        name: "chiso_qd766_score", type: "gauge", help: "chiso's estimate of the QĐ 766 index (0..100) over the unit's subtree.")
    public static let qd766GroupScore = Family(
        name: "chiso_qd766_group_score", type: "gauge", help: "The estimate's points in one of the six QĐ 766 groups.")
    public static let qd766Points = Family(
        name: "chiso_qd766_points", type: "gauge",
        help: "The estimate's points for one QĐ 766 sub-indicator (the no-data points when it has no data).")
    public static let qd766EstimateGap = Family(
        name: "chiso_qd766_estimate_gap", type: "gauge",
        help: "chiso's own estimate of a QĐ 766 group minus its score with the published (manual) figures, where manual rows replaced chiso's.")
    public static let qd766MaxPoints = Family(
        name: "chiso_qd766_max_points", type: "gauge", help: "The most points a QĐ 766 sub-indicator can give.")
    public static let snapshotTimestamp = Family(
        name: "chiso_snapshot_as_of_timestamp_seconds", type: "gauge", help: "The evaluation instant T of the snapshot being served.")

    // Operational metrics, kept by the app's Prometheus registry.
    public static let sourceUp = Family(name: "chiso_source_up", type: "gauge", help: "1 if the last refresh reached the database, 0 if not.")
    public static let refreshLastSuccess = Family(
        name: "chiso_refresh_last_success_timestamp_seconds", type: "gauge", help: "Unix time of the last successful refresh.")
    public static let refreshDuration = Family(name: "chiso_refresh_duration_seconds", type: "gauge", help: "Duration of the last refresh.")
    public static let refreshFailures = Family(name: "chiso_refresh_failures_total", type: "counter", help: "Refreshes that failed.")
    public static let refreshSeconds = Family(
        name: "chiso_refresh_seconds", type: "histogram",
        help: "Durations of successful refreshes, by kind (full: every input read from scratch; incremental: only what changed).")
    public static let refreshChanges = Family(
        name: "chiso_refresh_changes_applied", type: "gauge", help: "Changed input rows the last refresh applied (0 after a full one).")
    public static let refreshOpenRows = Family(
        name: "chiso_refresh_open_rows", type: "gauge",
        help: "Input rows the incremental refresh keeps whole and evaluates every time (open dossiers, rows stamped after T).")
    public static let refreshCheckDifferences = Family(
        name: "chiso_refresh_check_differences", type: "gauge",
        help: "Figures the last periodic full recomputation found different from the incremental state (0: they agreed).")
    public static let alertsSent = Family(
        name: "chiso_alerts_sent_total", type: "counter", help: "Alert deliveries accepted by the hook, by kind (mail, webhook).")
    public static let alertsFailed = Family(
        name: "chiso_alerts_failed_total", type: "counter", help: "Alert delivery attempts that failed (exit status, timeout, HTTP error), by kind.")
    public static let alertsPending = Family(
        name: "chiso_alerts_pending", type: "gauge", help: "Digests decided and not yet delivered (waiting or being retried).")
    public static let alertsUndeliverable = Family(
        name: "chiso_alerts_undeliverable", type: "gauge", help: "Units whose latest digest had no address to go to.")
    public static let configLastReloadSuccessful = Family(
        name: "chiso_config_last_reload_successful", type: "gauge",
        help: "1 if the last configuration reload (SIGHUP) was taken, 0 if the file had problems and the old configuration stayed.")
    public static let configLastReloadSuccess = Family(
        name: "chiso_config_last_reload_success_timestamp_seconds", type: "gauge",
        help: "When the configuration was last loaded successfully (at start or by SIGHUP).")
    public static let leader = Family(
        name: "chiso_leader", type: "gauge",
        help: "1 while this instance holds the leader lease (it alone writes the history and decides the digests), else 0.")
    public static let buildInfo = Family(name: "chiso_build_info", type: "gauge", help: "Always 1; the version label tells which chiso runs.")
}
