"""A project's plans and apply reports, org by org: for machines (one JSON document holding every
org) and for a pull request (one comment with a section per org)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reconciler.apply import ApplyReport
from reconciler.plan import Plan
from reconciler.render.json import dumps
from reconciler.render.markdown import GITHUB_COMMENT_LIMIT, plan_markdown, report_markdown
from reconciler.render.sections import TITLE, OrgSection, compose

# Enough for an org's summary, its warnings and a few locations.
MIN_SECTION = 4_000


@dataclass(frozen=True)
class OrgResult:
    """How one org's part of a run ended: a plan or a report, or the error that ended it."""

    key: str
    org_id: str | None
    exit_code: int
    plan: Plan | None = None
    report: ApplyReport | None = None
    warnings: tuple[str, ...] = ()
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"org": self.key, "orgId": self.org_id, "exitCode": self.exit_code}
        if self.plan is not None:
            data["plan"] = {**self.plan.to_dict(), "warnings": list(self.warnings)}
        if self.report is not None:
            data["report"] = self.report.to_dict()
        if self.error is not None:
            data["error"] = self.error
        return data

    @property
    def has_changes(self) -> bool:
        if self.plan is not None:
            return bool(self.plan.steps)
        return self.report is not None and bool(self.report.results)


def orgs_json(results: Sequence[OrgResult]) -> str:
    """Every org's plan or report, and what the run did in all."""
    failed = [r.key for r in results if r.error is not None or (r.report is not None and r.report.failed)]
    summary = {
        "orgs": len(results),
        "withChanges": sum(1 for r in results if r.has_changes),
        "failed": len(failed),
    }
    return dumps({"orgs": [r.to_dict() for r in results], "summary": summary})


def orgs_markdown(results: Sequence[OrgResult], limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """One comment for every org: a section each, orgs with changes or failures first, cut by whole
    orgs when the comment would pass `limit`."""
    # An org's section is cut by whole locations to its share of the comment, so that one large plan
    # leaves room for the others; compose then cuts by whole orgs.
    busy = sum(1 for r in results if r.has_changes or r.error is not None)
    share = min(limit, max(limit // max(busy, 1), MIN_SECTION))
    title = "## wxc-reconcile apply" if any(r.report is not None for r in results) else TITLE
    return compose([_section(r, share) for r in results], limit, title=title)


def _section(result: OrgResult, limit: int) -> OrgSection:
    if result.plan is not None:
        body = plan_markdown(result.plan, warnings=result.warnings, limit=limit, titled=False)
    elif result.report is not None:
        body = report_markdown(result.report, limit=limit, titled=False)
    else:
        fenced = (result.error or "").replace("```", "'''")  # the fence must hold whatever was said
        body = f"**Failed** (exit {result.exit_code}):\n\n```text\n{fenced}\n```"
    failed = result.error is not None or (result.report is not None and bool(result.report.failed))
    return OrgSection(result.key, result.has_changes, failed, body)
