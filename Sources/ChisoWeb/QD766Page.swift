import ChisoCore
import ChisoPresentation
import Foundation
import Mustache

/// The monthly QĐ 766 publication as a self-contained, printable A4 document
/// (`static/qd766.mustache`, with the status page's stylesheet); every value is escaped by the template.
public enum QD766Page {
    static let template: MustacheTemplate = {
        _ = StatusPage.template  // registers the CHISO_HTML content type the template names
        do {
            return try MustacheTemplate(string: String(decoding: PackageResources.qd766_mustache, as: UTF8.self))
        } catch {
            preconditionFailure("static/qd766.mustache does not parse: \(error)")
        }
    }()

    public static func render(_ publication: QD766Publication, language: Format.Language = .vi) -> String {
        let view = QD766Report.view(publication, language)
        return template.render(["css": StatusPage.style, "report": MustacheEncoder.tree(view)] as [String: Any])
    }
}
