import ChisoCore
import ChisoPresentation
import Foundation
import Mustache

/// The monthly QĐ 766 publication as a self-contained, printable A4 document
/// (`static/qd766.mustache`, with the status page's stylesheet); every value is escaped by the template.
public enum QD766Page {
    static let template = StatusPage.document(PackageResources.qd766_mustache, file: "qd766.mustache")

    public static func render(_ publication: QD766Publication, language: Format.Language = .vi) -> String {
        let view = QD766Report.view(publication, language)
        return template.render(["css": StatusPage.style, "report": MustacheEncoder.tree(view)] as [String: Any])
    }
}
