"""PLACEHOLDER until the fan-out branch lands: one comment from sections per org."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reconciler.render.markdown import COMMENT_MARKER


@dataclass(frozen=True)
class Section:
    key: str
    has_changes: bool
    failed: bool
    markdown: str


def compose(sections: Sequence[Section], limit: int) -> str:
    ordered = sorted(sections, key=lambda s: not (s.failed or s.has_changes))
    text = f"{COMMENT_MARKER}\n## wxc-reconcile plan"
    for section in ordered:
        text += f"\n\n### org `{section.key}`\n\n{section.markdown}"
    return text[:limit]
