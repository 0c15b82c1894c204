import ChisoAlerts
import ChisoApp
import ChisoCore
import Foundation
import Logging
import Synchronization
import Testing

/// The alert service over the in-memory outbox (the `AlertOutbox` seam without a database) and a
/// recording hook: the pass logic, fast. The same service over PostgreSQL and msmtp is `AlertTests`.
@Suite struct AlertServiceTests {
    final class RecordingHook: DeliveryHook {
        let sent = Mutex<[[String]]>([])
        let failing: Bool
        init(failing: Bool = false) { self.failing = failing }
        func send(_ mail: ComposedMail) async throws {
            if failing { throw DeliveryFailure.exited(command: "sendmail", status: 75, detail: "try again later") }
            sent.withLock { $0.append(mail.to + mail.cc) }
        }
    }

    static let calendar = PlanCalendar(timeZone: TimeZone(identifier: "Asia/Ho_Chi_Minh")!)
    static let monday = calendar.parseInstant("2026-06-15T08:00:00+07:00")!

    func service(_ outbox: InMemoryAlertOutbox, hook: RecordingHook) async throws -> AlertService<ContinuousClock> {
        let settings = try await SettingsLoader.load(
            arguments: [],
            environment: [
                "USER": "chiso", "CHISO_ALERT_FROM": "chiso <chiso@bacbinh.example>", "CHISO_ALERT_MAX_ATTEMPTS": "2", "CHISO_OUTPUT_DIR": "",
            ])
        return AlertService(
            outbox: outbox, composer: MailComposer(sender: settings.alerts.from, calendar: Self.calendar, pageURL: nil),
            mail: hook, webhook: nil, settings: settings.alerts, calendar: Self.calendar, store: nil,
            metrics: OperationalMetrics().alerts, time: EvaluationClock(asOf: Self.monday), clock: ContinuousClock(),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    static var inputs: AlertInputs {
        var inputs = AlertInputs(units: [
            Unit(id: "c", parentID: nil, name: "Xã Bắc Bình", kind: "commune", alertEmail: "ubnd@bacbinh.example", headEmail: nil),
            Unit(id: "c/x", parentID: "c", name: "Tổ không địa chỉ", kind: "other"),
        ])
        inputs.openTasks = [
            OpenTask(id: "T1", planRef: "I.1", title: "Việc quá hạn", leadUnitID: "c", monitoringUnitID: nil, dueDate: LocalDate(iso: "2026-06-10")!)
        ]
        return inputs
    }

    @Test func decidesOncePerDayAndDeliversThroughTheHook() async throws {
        let outbox = InMemoryAlertOutbox(inputs: Self.inputs)
        let hook = RecordingHook()
        let service = try await service(outbox, hook: hook)
        let first = await service.pass(at: Self.monday)
        #expect(first.decided.map(\.unitID) == ["c"])
        #expect(first.delivered == ["c"])
        #expect(hook.sent.withLock { $0 } == [["ubnd@bacbinh.example"]])
        let again = await service.pass(at: Self.monday.addingTimeInterval(60))
        #expect(again.decided.isEmpty && again.delivered.isEmpty)
        #expect(outbox.entries.map(\.status) == [.sent])
    }

    @Test func aFailingHookIsRetriedThenGivenUp() async throws {
        let outbox = InMemoryAlertOutbox(inputs: Self.inputs)
        let service = try await service(outbox, hook: RecordingHook(failing: true))
        #expect(await service.pass(at: Self.monday).failed == ["c"])
        #expect(outbox.entries.first?.status == .pending, "retried after retry_after")
        #expect(await service.pass(at: Self.monday.addingTimeInterval(30)).failed.isEmpty, "not before the retry time")
        #expect(await service.pass(at: Self.monday.addingTimeInterval(61)).failed == ["c"])
        #expect(outbox.entries.first?.status == .failed, "max_attempts 2")
        #expect(outbox.entries.first?.lastError == "sendmail exited with status 75: try again later")
    }
}
