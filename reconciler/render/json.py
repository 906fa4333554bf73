"""Plans and apply reports for machines: the same data as the text, as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from reconciler.apply import ApplyReport
from reconciler.plan import Plan


def plan_json(plan: Plan, warnings: Sequence[str] = ()) -> str:
    return dumps({**plan.to_dict(), "warnings": list(warnings)})


def report_json(report: ApplyReport) -> str:
    return dumps(report.to_dict())


def dumps(data: Any) -> str:
    # `##[` starts a GitHub workflow command anywhere in a line (see render.github). In JSON it can only
    # stand inside a string, where `\u005b` is the same `[`: so written, the data is unchanged, and
    # passes GitHub's guard on printed lines untouched.
    return json.dumps(data, indent=2, ensure_ascii=False).replace("##[", "##\\u005b")
