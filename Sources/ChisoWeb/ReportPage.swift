import ChisoCore
import ChisoPresentation
import Foundation
import Mustache

/// The periodic report (plan IV.1.c) as a self-contained, printable A4 document in the form of an
/// office report (`static/report.mustache`, with the status page's stylesheet); every value is
/// escaped by the template.
public enum ReportPage {
    static let template = StatusPage.document(PackageResources.report_mustache, file: "report.mustache")

    public static func render(_ snapshot: Snapshot, period: PeriodKind, unitID: String? = nil, language: Format.Language = .vi) throws -> String {
        let view = try PeriodicReport.view(snapshot, period: period, unitID: unitID, language)
        return template.render(["css": StatusPage.style, "report": MustacheEncoder.tree(view)] as [String: Any])
    }
}
