import ChisoCore
import ChisoPresentation
import ChisoWeb
import Foundation
import Logging
import ServiceLifecycle

/// Publishes each finished month's QĐ 766 result in the output directory, once: the plan (task
/// II.10) has the commune publish it monthly on its website, and the web server already serves
/// that directory. Every `checkEvery`, when the last finished month's `qd766/YYYY-MM.html` and
/// `.csv` are not there yet, builds them (two full reads) and writes them; the leader alone, with
/// replicas. A pass catches its own errors (logged; the next pass tries again).
public struct MonthlyPublicationService<C: Clock>: Service where C.Duration == Duration {
    public let publisher: any QD766Publishing
    public let directory: URL
    public let calendar: PlanCalendar
    public let time: EvaluationClock
    public let clock: C
    public let checkEvery: Duration
    public let logger: Logger
    public let leadership: Leadership?

    public init(
        publisher: any QD766Publishing, directory: URL, calendar: PlanCalendar, time: EvaluationClock, clock: C,
        checkEvery: Duration = .seconds(3600), logger: Logger, leadership: Leadership? = nil
    ) {
        self.publisher = publisher
        self.directory = directory
        self.calendar = calendar
        self.time = time
        self.clock = clock
        self.checkEvery = checkEvery
        self.logger = logger
        self.leadership = leadership
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.leadership?.waitForFirstDecision(upTo: .seconds(2))
            while !Task.isCancelled {
                await self.pass(at: self.time.evaluationInstant())
                do { try await clock.sleep(for: checkEvery) } catch { return }
            }
        }
    }

    /// Writes the last finished month's files when they are missing; returns the files written.
    @discardableResult
    public func pass(at instant: Date) async -> [URL] {
        guard leadership?.isLeader ?? true else { return [] }
        let month = calendar.localDate(of: instant).firstOfMonth.adding(days: -1).firstOfMonth
        let name = "\(month.year)-\(LocalDate.pad(month.month, 2))"
        let folder = directory.appendingPathComponent("qd766", isDirectory: true)
        let files = [folder.appendingPathComponent(name + ".html"), folder.appendingPathComponent(name + ".csv")]
        guard !files.allSatisfy({ FileManager.default.fileExists(atPath: $0.path) }) else { return [] }
        do {
            switch try await publisher.publication(month: month, unit: nil, now: instant) {
            case .success(let publication):
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                try Data(QD766Page.render(publication).utf8).write(to: files[0], options: .atomic)
                try Data(QD766Report.csv(publication).utf8).write(to: files[1], options: .atomic)
                logger.notice(
                    "QĐ 766 publication written", metadata: ["month": "\(name)", "score": "\(publication.result.score)", "path": "\(files[0].path)"])
                return files
            case .failure(let problem):
                logger.warning("QĐ 766 publication of \(name) not written: \(problem)")
            }
        } catch {
            logger.warning("QĐ 766 publication of \(name) not written: \(error)")
        }
        return []
    }
}
