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
        out += #"<tr><th scope="row"><a href=""#
        out += PageHTML.escape(row.href)
        out += #"">"#
        out += PageHTML.escape(row.name)
        out += "</a></th>"
        if let tasks = row.tasksCell {
            out += #"<td class="n">"#
            out += PageHTML.escape(tasks)
            out += "</td>"
        }
        for cell in row.cells {
            let label = PageHTML.escape(cell.statusLabel)
            out += #"<td class="n "#
            out += PageHTML.escape(cell.statusClass)
            out += #"" title=""#
            out += label
            out += #"">"#
            out += PageHTML.escape(cell.mark)
            out += " "
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
        out += #"" id="chi-tieu-"#
        out += PageHTML.escape(card.id)
        out += "\">\n<h3><span class=\"ref\">"
        out += PageHTML.escape(card.planRef)
        out += "</span> "
        out += PageHTML.escape(card.name)
        out += "</h3>\n<div class=\"row\"><p class=\"value\">"
        out += PageHTML.escape(card.value)
        out += #"</p><span class="badge "#
        out += status
        out += #"">"#
        out += PageHTML.escape(card.statusLabel)
        out += "</span></div>\n<dl>\n"
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
            out += #"<svg class="spark" viewBox="0 0 120 32" preserveAspectRatio="none" role="img" aria-label=""#
            out += PageHTML.escape(spark.description)
            out += #""><line x1="2" x2="118" y1=""#
            out += targetY
            out += #"" y2=""#
            out += targetY
            out += #""/>"#
            if spark.hasLine {
                out += #"<polyline points=""#
                out += PageHTML.escape(spark.points)
                out += #""/>"#
            }
            out += #"<circle cx=""#
            out += PageHTML.escape(spark.lastX)
            out += #"" cy=""#
            out += PageHTML.escape(spark.lastY)
            out += "\" r=\"1.8\"/></svg>\n<p class=\"spark-scale\" aria-hidden=\"true\"><span>"
            out += PageHTML.escape(spark.firstLabel)
            out += #"</span><span class="t">"#
            out += PageHTML.escape(spark.targetLabel)
            out += "</span><span>"
            out += PageHTML.escape(spark.lastLabel)
            out += "</span></p>\n"
        }
        if let projection = card.projection {
            out += #"<p class="proj">"#
            out += PageHTML.escape(labels.projection)
            out += #": <strong class=""#
            out += PageHTML.escape(projection.projectedStatusClass)
            out += #"">"#
            out += PageHTML.escape(projection.projected)
            out += "</strong>. "
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
        out += #"">"#
        out += PageHTML.escape(line.badge)
        out += #"</span> <a class="what" href=""#
        out += PageHTML.escape(line.href)
        out += #"">"#
        if let ref = line.ref {
            out += #"<span class="ref">"#
            out += PageHTML.escape(ref)
            out += "</span> "
        }
        out += PageHTML.escape(line.title)
        out += "</a>"
        if let figure = line.figure {
            out += #" <span class="fig">("#
            out += PageHTML.escape(figure)
            out += ")</span>"
        }
        if let action = line.action {
            out += #"<span class="act">"#
            out += PageHTML.escape(action)
            out += "</span>"
        }
        if let lead = line.lead {
            out += #"<span class="lead">"#
            out += PageHTML.escape(labels.lead)
            out += ": "
            if let href = line.leadHref {
                out += #"<a href=""#
                out += PageHTML.escape(href)
                out += #"">"#
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
        out += #"<li class=""#
        out += PageHTML.escape(block.statusClass)
        out += #""><a href=""#
        out += PageHTML.escape(block.href)
        out += #"">"#
        out += PageHTML.escape(block.name)
        out += #"</a> <span class="muted">"#
        out += PageHTML.escape(block.counts)
        out += "</span>"
        for figure in block.worst {
            out += #"<span class="bf "#
            out += PageHTML.escape(figure.statusClass)
            out += #"">"#
            out += PageHTML.escape(figure.mark)
            out += " "
            out += PageHTML.escape(figure.name)
            out += ": "
            out += PageHTML.escape(figure.text)
            out += #"<span class="sr"> ("#
            out += PageHTML.escape(figure.statusLabel)
            out += ")</span></span>"
        }
        out += #"<span class="muted od">"#
        out += PageHTML.escape(block.overdue)
        out += "</span></li>"
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
        out += "<tr><td>"
        out += PageHTML.escape(row.title)
        out += "</td><td"
        if let planRef = row.planRef {
            out += #" data-label=""#
            out += PageHTML.escape(labels.planRef)
            out += #"">"#
            out += PageHTML.escape(planRef)
        } else {
            out += ">"
        }
        out += #"</td><td data-label=""#
        out += PageHTML.escape(labels.lead)
        out += #"">"#
        out += PageHTML.escape(row.lead)
        out += "</td><td"
        if let monitoring = row.monitoring {
            out += #" data-label=""#
            out += PageHTML.escape(labels.monitoring)
            out += #"">"#
            out += PageHTML.escape(monitoring)
        } else {
            out += ">"
        }
        out += #"</td><td class="n" data-label=""#
        out += PageHTML.escape(labels.due)
        out += #"">"#
        out += PageHTML.escape(row.due)
        out += #"</td><td class=""#
        out += days.cssClass
        out += #"" data-label=""#
        out += PageHTML.escape(days.label(labels))
        out += #"">"#
        out += PageHTML.escape(row.days)
        out += "</td></tr>"
        return out
    }
}
