import ChisoPresentation
import Mustache

/// The status page's repeated parts, written without the template engine: a unit-table row,
/// an indicator card, an attention line, a unit block and a task row. Each has its own template
/// in `static/` (`status-row.mustache`, `status-card.mustache`, …), which is what the direct
/// text is checked against, byte for byte (`StatusPageTests`); the page template inserts them
/// as they are (`{{{.}}}`). Every value is escaped as the template escapes it (`PageHTML.escape`).
///
/// Why: swift-mustache finds each `{{name}}` by walking the context stack through dynamic casts
/// (`swift_conformsToProtocol`), and a value inside a card (`{{labels.target}}`) walks four
/// levels. Writing a province's 750 page files after a refresh that changed every commune took
/// 5.3–6.3 s, 3.8 s of it in those lookups (perf, 2026-12-06); the parts written here are most of
/// a page's lookups.
extension StatusPage {
    /// One row of a unit table (`static/status-row.mustache`). A province's refresh renders
    /// ~125 rows of ~40 cells for `GET /` and its page files ~10^4.
    static let rowTemplate = document(PackageResources.status_row_mustache, file: "status-row.mustache")

    static func rowHTML(_ row: StatusPageView.UnitTableRow) -> String {
        var out = ""
        out.reserveCapacity(96 + row.cells.count * 120)
        wrap(#"<tr><th scope="row"><a href=""#, row.href, #"">"#, into: &out)
        out += PageHTML.escape(row.name)
        out += "</a></th>"
        if let tasks = row.tasksCell {
            wrap(#"<td class="n">"#, tasks, "</td>", into: &out)
        }
        for cell in row.cells {
            let label = PageHTML.escape(cell.statusLabel)
            wrap(#"<td class="n "#, cell.statusClass, #"" title=""#, into: &out)
            out += label
            wrap(#"">"#, cell.mark, " ", into: &out)
            out += PageHTML.escape(cell.text)
            out += #"<span class="sr"> ("#
            out += label
            out += ")</span></td>"
        }
        out += "</tr>"
        return out
    }

    /// An indicator's card (`static/status-card.mustache`), rendered with the card and the page's `labels`.
    static let cardTemplate = document(PackageResources.status_card_mustache, file: "status-card.mustache")

    static func cardHTML(_ card: StatusPageView.Card, labels: PageLabels) -> String {
        let status = PageHTML.escape(card.statusClass)
        var out = ""
        out.reserveCapacity(1_200)
        out += #"<article class="card "#
        out += status
        wrap(#"" id="chi-tieu-"#, card.id, "\">\n<h3><span class=\"ref\">", into: &out)
        out += PageHTML.escape(card.planRef)
        wrap("</span> ", card.name, "</h3>\n<div class=\"row\"><p class=\"value\">", into: &out)
        out += PageHTML.escape(card.value)
        out += #"</p><span class="badge "#
        out += status
        wrap(#"">"#, card.statusLabel, "</span></div>\n<dl>\n", into: &out)
        term(labels.target, PageHTML.escape(card.target), into: &out)
        out += "\n"
        if let gap = card.gap { term(labels.gap, PageHTML.escape(gap), into: &out) }
        out += "\n"
        if let counts = card.counts {
            term(labels.counts, PageHTML.escape(counts) + (card.manual ? " (" + PageHTML.escape(labels.manual) + ")" : ""), into: &out)
        }
        out += "\n"
        if let lead = card.lead { term(labels.lead, PageHTML.escape(lead), into: &out) }
        out += "\n</dl>\n"
        if let spark = card.spark {
            let targetY = PageHTML.escape(spark.targetY)
            out += #"<svg class="spark" viewBox="0 0 120 32" preserveAspectRatio="none" role="img""#
            wrap(#" aria-label=""#, spark.description, #""><line x1="2" x2="118" y1=""#, into: &out)
            out += targetY
            out += #"" y2=""#
            out += targetY
            out += #""/>"#
            if spark.hasLine {
                wrap(#"<polyline points=""#, spark.points, #""/>"#, into: &out)
            }
            wrap(#"<circle cx=""#, spark.lastX, #"" cy=""#, into: &out)
            out += PageHTML.escape(spark.lastY)
            out += "\" r=\"1.8\"/></svg>\n"
            wrap(#"<p class="spark-scale" aria-hidden="true"><span>"#, spark.firstLabel, #"</span><span class="t">"#, into: &out)
            out += PageHTML.escape(spark.targetLabel)
            wrap("</span><span>", spark.lastLabel, "</span></p>\n", into: &out)
        }
        if let projection = card.projection {
            wrap(#"<p class="proj">"#, labels.projection, #": <strong class=""#, into: &out)
            out += PageHTML.escape(projection.projectedStatusClass)
            wrap(#"">"#, projection.projected, "</strong>. ", into: &out)
            out += PageHTML.escape(projection.requirement)
            out += ".</p>\n"
        }
        out += "</article>"
        return out
    }

    /// `<dt>label</dt><dd data-label="label">value</dd>`, the value already escaped.
    private static func term(_ label: String, _ escapedValue: String, into out: inout String) {
        let label = PageHTML.escape(label)
        out += "<dt>"
        out += label
        out += #"</dt><dd data-label=""#
        out += label
        out += #"">"#
        out += escapedValue
        out += "</dd>"
    }

    /// A line of "Cần chỉ đạo" (`static/status-attention-line.mustache`), with the page's `labels`.
    static let attentionLineTemplate = document(PackageResources.status_attention_line_mustache, file: "status-attention-line.mustache")

    static func attentionLineHTML(_ line: StatusPageView.AttentionLine, labels: PageLabels) -> String {
        let status = PageHTML.escape(line.statusClass)
        var out = ""
        out.reserveCapacity(400)
        out += #"<li class=""#
        out += status
        out += #""><span class="badge "#
        out += status
        wrap(#"">"#, line.badge, #"</span> <a class="what" href=""#, into: &out)
        out += PageHTML.escape(line.href)
        out += #"">"#
        if let ref = line.ref {
            wrap(#"<span class="ref">"#, ref, "</span> ", into: &out)
        }
        out += PageHTML.escape(line.title)
        out += "</a>"
        if let figure = line.figure {
            wrap(#" <span class="fig">("#, figure, ")</span>", into: &out)
        }
        if let action = line.action {
            wrap(#"<span class="act">"#, action, "</span>", into: &out)
        }
        if let lead = line.lead {
            wrap(#"<span class="lead">"#, labels.lead, ": ", into: &out)
            if let href = line.leadHref {
                wrap(#"<a href=""#, href, #"">"#, into: &out)
                out += PageHTML.escape(lead)
                out += "</a>"
            } else {
                out += PageHTML.escape(lead)
            }
            out += "</span>"
        }
        out += "</li>"
        return out
    }

    /// A unit's block under the unit tables (`static/status-unit-block.mustache`): the phone's view of a row.
    static let unitBlockTemplate = document(PackageResources.status_unit_block_mustache, file: "status-unit-block.mustache")

    static func unitBlockHTML(_ block: StatusPageView.UnitBlock) -> String {
        var out = ""
        out.reserveCapacity(300 + block.worst.count * 160)
        wrap(#"<li class=""#, block.statusClass, #""><a href=""#, into: &out)
        out += PageHTML.escape(block.href)
        wrap(#"">"#, block.name, #"</a> <span class="muted">"#, into: &out)
        out += PageHTML.escape(block.counts)
        out += "</span>"
        for figure in block.worst {
            wrap(#"<span class="bf "#, figure.statusClass, #"">"#, into: &out)
            out += PageHTML.escape(figure.mark)
            wrap(" ", figure.name, ": ", into: &out)
            out += PageHTML.escape(figure.text)
            wrap(#"<span class="sr"> ("#, figure.statusLabel, ")</span></span>", into: &out)
        }
        wrap(#"<span class="muted od">"#, block.overdue, "</span></li>", into: &out)
        return out
    }

    /// A row of the overdue or the due-soon task table (`static/status-task-row.mustache`): the
    /// two differ in their last cell only, which the template reads as `daysClass` and `daysLabel`.
    static let taskRowTemplate = document(PackageResources.status_task_row_mustache, file: "status-task-row.mustache")

    enum TaskDays {
        case overdue, left
        var cssClass: String { self == .overdue ? "n missed" : "n" }
        func label(_ labels: PageLabels) -> String { self == .overdue ? labels.daysOverdue : labels.daysLeft }
    }

    static func taskRowHTML(_ row: StatusPageView.TaskRow, days: TaskDays, labels: PageLabels) -> String {
        var out = ""
        out.reserveCapacity(400)
        wrap("<tr><td>", row.title, "</td>", into: &out)
        taskCell(row.planRef, label: labels.planRef, into: &out)
        taskCell(row.lead, label: labels.lead, into: &out)
        taskCell(row.monitoring, label: labels.monitoring, into: &out)
        taskCell(row.due, label: labels.due, cssClass: "n", into: &out)
        taskCell(row.days, label: days.label(labels), cssClass: days.cssClass, into: &out)
        out += "</tr>"
        return out
    }

    /// `<td class="…" data-label="label">value</td>`; a cell without a value has no label (a phone
    /// shows no empty "Mục KH:").
    private static func taskCell(_ value: String?, label: String, cssClass: String? = nil, into out: inout String) {
        out += "<td"
        if let cssClass {
            wrap(#" class=""#, cssClass, #"""#, into: &out)
        }
        if let value {
            wrap(#" data-label=""#, label, #"">"#, into: &out)
            out += PageHTML.escape(value)
        } else {
            out += ">"
        }
        out += "</td>"
    }

    /// `open`, then `value` escaped, then `close`.
    private static func wrap(_ open: String, _ value: String, _ close: String, into out: inout String) {
        out += open
        out += PageHTML.escape(value)
        out += close
    }
}
