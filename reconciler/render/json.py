"""Plans and apply reports for machines: the same data as the text, as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence

from reconciler.apply import ApplyReport
from reconciler.plan import Plan


def plan_json(plan: Plan, warnings: Sequence[str] = ()) -> str:
    return json.dumps({**plan.to_dict(), "warnings": list(warnings)}, indent=2, ensure_ascii=False)


def report_json(report: ApplyReport) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
