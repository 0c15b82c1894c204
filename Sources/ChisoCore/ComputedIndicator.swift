/// The indicators whose formulas chiso computes from the input tables (`indicators.md`, "Computed indicators").
///
/// The formulas themselves are SQL in `ChisoStorage`; the core only needs to know how each one rolls up.
public enum ComputedIndicator: String, Sendable, CaseIterable, Hashable {
    case dossiersOnTime = "dossiers_on_time"
    case lateDossiersApologised = "late_dossiers_apologised"
    case dossiersSyncedNational = "dossiers_synced_national"
    case dossiersReceivedAtCenter = "dossiers_received_at_center"
    case feedbackHandledPublished = "feedback_handled_published"
    case proceduresPublished = "procedures_published"
    case proceduresLocationIndependent = "procedures_location_independent"
    case documentsSigned = "documents_signed"
    case documentsElectronic = "documents_electronic"
    case dossiersDigitised = "dossiers_digitised"
    case resultsDigitised = "results_digitised"
    case dossiersDataReused = "dossiers_data_reused"
    case servicesFullOnline = "services_full_online"
    case dossiersFullOnline = "dossiers_full_online"
    case paymentsOnlineNational = "payments_online_national"
    case proceduresPaidOnline = "procedures_paid_online"
    case reportFormsEform = "report_forms_eform"
    case reportFormsConnected = "report_forms_connected"
    case provinceTasksTracked = "province_tasks_tracked"
    case planTasksOnTime = "plan_tasks_on_time"

    /// How figures of several units combine into their parent's.
    public enum Rollup: Sendable {
        /// Numerators and denominators are summed over the subtree.
        case sum
        /// Distinct procedures over the subtree (`procedures_paid_online`).
        case distinctProcedures
        /// Describes the procedure catalogue; reported for root units only.
        case catalogue
    }

    public var rollup: Rollup {
        switch self {
        case .proceduresPublished, .proceduresLocationIndependent, .servicesFullOnline: .catalogue
        case .proceduresPaidOnline: .distinctProcedures
        default: .sum
        }
    }
}

extension ComputedIndicator {
    /// The position in `allCases`, without hashing (the incremental refresh indexes flat arrays by it;
    /// a test checks it against `allCases`).
    public var ordinal: Int {
        switch self {
        case .dossiersOnTime: 0
        case .lateDossiersApologised: 1
        case .dossiersSyncedNational: 2
        case .dossiersReceivedAtCenter: 3
        case .feedbackHandledPublished: 4
        case .proceduresPublished: 5
        case .proceduresLocationIndependent: 6
        case .documentsSigned: 7
        case .documentsElectronic: 8
        case .dossiersDigitised: 9
        case .resultsDigitised: 10
        case .dossiersDataReused: 11
        case .servicesFullOnline: 12
        case .dossiersFullOnline: 13
        case .paymentsOnlineNational: 14
        case .proceduresPaidOnline: 15
        case .reportFormsEform: 16
        case .reportFormsConnected: 17
        case .provinceTasksTracked: 18
        case .planTasksOnTime: 19
        }
    }
}
