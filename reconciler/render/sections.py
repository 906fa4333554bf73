"""One PR comment for a plan of many orgs: a section per org, the orgs to act on first.

A partner's pull request can touch hundreds of orgs, and GitHub refuses a comment over 65,536 characters.
So the comment is assembled from whole org sections under that limit: failed orgs first, then orgs with
changes, then the rest, each group in the order given. A section that does not fit is left out whole
(a later, smaller one may still fit), and a note names the orgs left out, as many as fit, and where
their plans are. One hidden marker, on the first line, lets the workflow update the comment in place.

An org's markdown is its plan as `plan_markdown` renders it: its own marker and title are dropped here,
its other headings sit under the org's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import NamedTuple

from reconciler.render.markdown import COMMENT_MARKER, GITHUB_COMMENT_LIMIT, _code, _count

TITLE = "## wxc-reconcile plan"
WHERE = "the job summaries and plan artifacts of this workflow run"
# Kept free for the note on what was left out, so that it can name a good few orgs.
NOTE_ROOM = 1_500


class OrgSection(NamedTuple):
    key: str
    has_changes: bool
    failed: bool
    markdown: str


def compose(
    sections: Iterable[OrgSection],
    limit: int = GITHUB_COMMENT_LIMIT,
    *,
    where: str = WHERE,
    title: str = TITLE,
) -> str:
    """The comment: marker, title, a count per kind of org, then the org sections that fit in `limit`.

    `where` (markdown) says where the plans of orgs left out can be seen; `title` is another heading
    for another document (an apply's report).
    Raises ValueError only when `limit` cannot hold the title and the note.
    """
    ordered = sorted(sections, key=_rank)
    if not ordered:  # a change to no org's files: say so, rather than leave an older plan standing
        return f"{COMMENT_MARKER}\n{title}\n\n**Nothing to plan:** this change touches no org's files."
    head = f"{COMMENT_MARKER}\n{title}: {_count(len(ordered), 'org')}\n\n{_tally(ordered)}"
    blocks = [_section(s) for s in ordered]
    if len(head) + sum(map(len, blocks)) <= limit:
        return head + "".join(blocks)
    budget = limit - len(head) - NOTE_ROOM
    if budget < 0:
        raise ValueError(f"limit {limit} is too small for a comment on {len(ordered)} orgs")
    shown: list[str] = []
    left_out: list[str] = []
    for section, block in zip(ordered, blocks, strict=True):
        if len(block) <= budget:
            shown.append(block)
            budget -= len(block)
        else:
            left_out.append(section.key)
    return head + "".join(shown) + _note(left_out, NOTE_ROOM + budget, where)


def _rank(section: OrgSection) -> int:
    return 0 if section.failed else 1 if section.has_changes else 2


def _tally(sections: Sequence[OrgSection]) -> str:
    failed = sum(1 for s in sections if s.failed)
    changes = sum(1 for s in sections if s.has_changes and not s.failed)
    parts = [
        f"{changes} with changes",
        f"{failed} failed",
        f"{len(sections) - failed - changes} without changes",
    ]
    return "**" + ", ".join(parts) + ".**"


def _section(section: OrgSection) -> str:
    mark = "❌ failed" if section.failed else "📝 changes" if section.has_changes else "✅ no changes"
    return f"\n\n## {_code(section.key)}: {mark}\n\n{_body(section.markdown)}"


def _body(markdown: str) -> str:
    """The org's plan without its own marker and title, and without any other copy of the marker
    (the workflow finds its comment by it)."""
    lines = markdown.strip("\n").split("\n")
    while lines and (lines[0].strip() in (COMMENT_MARKER, "") or lines[0].startswith(TITLE)):
        lines.pop(0)
    return "\n".join(lines).replace(COMMENT_MARKER, "").strip("\n")


def _note(left_out: Sequence[str], room: int, where: str) -> str:
    """`_… N orgs not shown: a, b and K more. Their plans are in WHERE._`, naming as many as fit in `room`."""
    codes = [_code(key) for key in left_out]

    def text(named: int) -> str:
        listed = ""
        if named:
            rest = len(codes) - named
            listed = ": " + ", ".join(codes[:named]) + (f" and {rest} more" if rest else "")
        return (
            f"\n\n---\n\n_{_count(len(codes), 'more org')} not shown (the comment would be longer than "
            f"GitHub allows){listed}. Their plans are in {where}._"
        )

    # The text grows with each name by the name and its comma; " and K more" is at most as long as for
    # K = all of them, so counting it at that length keeps the estimate on the safe side.
    spare = room - len(text(0)) - len(f": and {len(codes)} more")
    named = 0
    while named < len(codes) and spare - len(codes[named]) - 2 >= 0:
        spare -= len(codes[named]) + 2
        named += 1
    return text(named)
