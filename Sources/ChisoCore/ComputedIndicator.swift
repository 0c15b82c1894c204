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
    // Figures the QĐ 766 estimate needs beyond the plan's catalogue (`qd766.md`); a catalogue may
    // list them too.
    /// Received in P through channel `online` / received in P (766: 3.3).
    case dossiersReceivedOnline = "dossiers_received_online"
    /// *catalogue*: non-internal procedures with has_fee and online_payment_enabled / with has_fee (766: 3.5a).
    case feeProceduresPaymentEnabled = "fee_procedures_payment_enabled"
    /// *distinct* non-internal procedures with service_level `full` or `partial` having a dossier
    /// received in P through `online` / such procedures in the catalogue (766: 3.2).
    case onlineServicesUsed = "online_services_used"
    /// *distinct* non-internal procedures with has_fee having a payment in P through
    /// `national_portal` or `provincial_gateway` / such procedures in the catalogue (766: 3.5b).
    case feeProceduresPaidOnline = "fee_procedures_paid_online"
    /// Feedback received in P resolved within 15 working days, or still open and not yet past
    /// them at T / feedback received in P (766: 5.2; `FeedbackDeadlines`).
    case feedbackOnTime = "feedback_on_time"
    /// Dossiers received in P of a procedure with has_fee having an online payment (through
    /// `national_portal` or `provincial_gateway`, paid by T) / dossiers received in P of a
    /// procedure with has_fee (766: 3.6). The payment side is the trigger-kept
    /// `dossiers.chiso_paid_online_at` (sql/V009).
    case feeDossiersPaidOnline = "fee_dossiers_paid_online"

    /// How figures of several units combine into their parent's.
    public enum Rollup: Sendable {
        /// Numerators and denominators are summed over the subtree.
        case sum
        /// Distinct procedures over the subtree (`procedures_paid_online`).
        case distinctProcedures
        /// Describes the procedure catalogue; reported for root units only.
        case catalogue
        /// Distinct procedures used over the subtree (`ProcedureUse`) out of the catalogue's
        /// procedures of that kind (the denominator of its catalogue tally).
        case proceduresInUse
    }

    public var rollup: Rollup {
        switch self {
        case .proceduresPublished, .proceduresLocationIndependent, .servicesFullOnline, .feeProceduresPaymentEnabled: .catalogue
        case .proceduresPaidOnline: .distinctProcedures
        case .onlineServicesUsed, .feeProceduresPaidOnline: .proceduresInUse
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
        case .dossiersReceivedOnline: 20
        case .feeProceduresPaymentEnabled: 21
        case .onlineServicesUsed: 22
        case .feeProceduresPaidOnline: 23
        case .feedbackOnTime: 24
        case .feeDossiersPaidOnline: 25
        }
    }
}
