import ChisoCore
import Mustache

// The page's view types answer the template's lookups directly: swift-mustache otherwise
// reflects each value with Mirror, which made a province's 378 pages take 23 s to write.

extension StatusPageView.Link: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "label": self.label
        case "href": self.href
        case "current": self.current
        default: nil
        }
    }
}

extension StatusPageView.Summary: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "met": self.met
        case "atRisk": self.atRisk
        case "missed": self.missed
        case "noData": self.noData
        case "total": self.total
        default: nil
        }
    }
}

extension StatusPageView.Projection: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "projected": self.projected
        case "projectedStatusClass": self.projectedStatusClass
        case "requirement": self.requirement
        default: nil
        }
    }
}

extension StatusPageView.Spark: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "points": self.points
        case "lastX": self.lastX
        case "lastY": self.lastY
        case "targetY": self.targetY
        case "description": self.description
        case "hasLine": self.hasLine
        default: nil
        }
    }
}

extension StatusPageView.Card: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "id": self.id
        case "planRef": self.planRef
        case "name": self.name
        case "value": self.value
        case "target": self.target
        case "gap": self.gap
        case "counts": self.counts
        case "statusClass": self.statusClass
        case "statusLabel": self.statusLabel
        case "manual": self.manual
        case "spark": self.spark
        case "projection": self.projection
        default: nil
        }
    }
}

extension StatusPageView.Section: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "ref": self.ref
        case "title": self.title
        case "anchor": self.anchor
        case "cards": self.cards
        case "met": self.met
        case "total": self.total
        default: nil
        }
    }
}

extension StatusPageView.Cell: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "text": self.text
        case "mark": self.mark
        case "statusClass": self.statusClass
        case "statusLabel": self.statusLabel
        default: nil
        }
    }
}

extension StatusPageView.Column: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "short": self.short
        case "name": self.name
        default: nil
        }
    }
}

extension StatusPageView.UnitRow: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "name": self.name
        case "href": self.href
        case "overdueTasks": self.overdueTasks
        case "cells": self.cells
        case "missed": self.missed
        default: nil
        }
    }
}

extension StatusPageView.TaskRow: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "id": self.id
        case "title": self.title
        case "planRef": self.planRef
        case "lead": self.lead
        case "monitoring": self.monitoring
        case "due": self.due
        case "days": self.days
        default: nil
        }
    }
}

extension StatusPageView.AlertRow: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "unit": self.unit
        case "day": self.day
        case "status": self.status
        case "reason": self.reason
        default: nil
        }
    }
}

extension StatusPageView.DossierRow: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "name": self.name
        case "href": self.href
        case "overdue": self.overdue
        case "lateWithoutApology": self.lateWithoutApology
        case "total": self.total
        default: nil
        }
    }
}

extension StatusPageView: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "lang": self.lang
        case "title": self.title
        case "heading": self.heading
        case "plan": self.plan
        case "breadcrumb": self.breadcrumb
        case "hasBreadcrumb": self.hasBreadcrumb
        case "asOf": self.asOf
        case "stale": self.stale
        case "periodTabs": self.periodTabs
        case "languageLink": self.languageLink
        case "periodName": self.periodName
        case "summary": self.summary
        case "sections": self.sections
        case "columns": self.columns
        case "unitRows": self.unitRows
        case "hasUnitRows": self.hasUnitRows
        case "overdueTasks": self.overdueTasks
        case "hasOverdueTasks": self.hasOverdueTasks
        case "overdueCount": self.overdueCount
        case "moreOverdueTasks": self.moreOverdueTasks
        case "moreDueSoonTasks": self.moreDueSoonTasks
        case "dueSoonTasks": self.dueSoonTasks
        case "hasDueSoonTasks": self.hasDueSoonTasks
        case "dossierRows": self.dossierRows
        case "alertProblems": self.alertProblems
        case "hasAlertProblems": self.hasAlertProblems
        case "served": self.served
        case "printHeader": self.printHeader
        case "jsonHref": self.jsonHref
        case "metricsHref": self.metricsHref
        case "generatedAt": self.generatedAt
        case "labels": self.labels
        default: nil
        }
    }
}

extension PageLabels: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "pageTitle": self.pageTitle
        case "updated": self.updated
        case "staleTitle": self.staleTitle
        case "periodSwitch": self.periodSwitch
        case "summaryTitle": self.summaryTitle
        case "met": self.met
        case "atRisk": self.atRisk
        case "missed": self.missed
        case "noData": self.noData
        case "ofIndicators": self.ofIndicators
        case "target": self.target
        case "gap": self.gap
        case "counts": self.counts
        case "trend": self.trend
        case "projection": self.projection
        case "required": self.required
        case "manual": self.manual
        case "unitsTitle": self.unitsTitle
        case "unitsCaption": self.unitsCaption
        case "unit": self.unit
        case "overdueTasksShort": self.overdueTasksShort
        case "tasksTitle": self.tasksTitle
        case "dueSoonTitle": self.dueSoonTitle
        case "noOverdue": self.noOverdue
        case "noDueSoon": self.noDueSoon
        case "task": self.task
        case "planRef": self.planRef
        case "lead": self.lead
        case "monitoring": self.monitoring
        case "due": self.due
        case "daysOverdue": self.daysOverdue
        case "daysLeft": self.daysLeft
        case "dossiersTitle": self.dossiersTitle
        case "overdueDossiers": self.overdueDossiers
        case "lateWithoutApology": self.lateWithoutApology
        case "total": self.total
        case "footer": self.footer
        case "json": self.json
        case "metrics": self.metrics
        case "skip": self.skip
        case "alertsTitle": self.alertsTitle
        case "alertDay": self.alertDay
        case "alertStatus": self.alertStatus
        case "alertReason": self.alertReason
        case "undeliverable": self.undeliverable
        case "failed": self.failed
        default: nil
        }
    }
}
