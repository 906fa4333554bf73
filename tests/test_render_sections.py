"""One PR comment for many orgs: order, the size limit, cutting by whole orgs, one marker."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from reconciler.render.markdown import COMMENT_MARKER, GITHUB_COMMENT_LIMIT
from reconciler.render.sections import OrgSection, compose


def plan_md(text: str) -> str:
    """An org's plan as plan_markdown renders it: marker, title, body."""
    return f"{COMMENT_MARKER}\n## wxc-reconcile plan\n\n{text}"


def section(key: str, *, changes: bool = False, failed: bool = False, size: int = 0) -> OrgSection:
    body = "**Plan:** 1 of 3 managed locations to change." if changes else "**No changes.**"
    return OrgSection(key, changes, failed, plan_md(body + ("\n\n" + "x" * size if size else "")))


def headings(comment: str) -> list[str]:
    return re.findall(r"^## `([^`]+)`", comment, flags=re.M)


def test_failed_then_changed_then_the_rest_each_in_the_given_order() -> None:
    comment = compose(
        [
            section("a-quiet"),
            section("b-changes", changes=True),
            section("c-failed", failed=True),
            section("d-quiet"),
            section("e-changes", changes=True),
        ]
    )
    assert headings(comment) == ["c-failed", "b-changes", "e-changes", "a-quiet", "d-quiet"]
    assert "**2 with changes, 1 failed, 2 without changes.**" in comment
    assert "5 orgs" in comment.splitlines()[1]


def test_one_marker_on_the_first_line_and_no_org_title_repeated() -> None:
    comment = compose([section("acme", changes=True), section("globex")])
    assert comment.startswith(COMMENT_MARKER + "\n")
    assert comment.count(COMMENT_MARKER) == 1
    assert comment.count("## wxc-reconcile plan") == 1
    assert "**Plan:** 1 of 3 managed locations to change." in comment


def test_a_marker_inside_an_orgs_text_is_dropped() -> None:
    forged = OrgSection("acme", True, False, f"body {COMMENT_MARKER} more")
    assert compose([forged]).count(COMMENT_MARKER) == 1


def test_org_keys_cannot_inject_markdown() -> None:
    html = MarkdownIt().render(compose([OrgSection("a`](x)<b>", False, True, "")]))
    assert "<b>" not in html
    assert "<code>a`](x)&lt;b&gt;</code>" in html


def test_everything_fits_under_the_limit_untouched() -> None:
    sections = [section(f"org-{i}", changes=i % 2 == 0, size=100) for i in range(20)]
    comment = compose(sections)
    assert len(headings(comment)) == 20
    assert "not shown" not in comment


@pytest.mark.parametrize("limit", [GITHUB_COMMENT_LIMIT, 20_000, 5_000])
def test_too_many_orgs_are_cut_by_whole_orgs_with_a_note_naming_them(limit: int) -> None:
    sections = [section(f"org-{i:03d}", changes=i < 30, size=900) for i in range(200)]
    comment = compose(sections, limit)
    assert len(comment) <= limit
    shown = headings(comment)
    assert 0 < len(shown) < 200
    assert shown[0] == "org-000"  # orgs with changes first
    for key in shown:  # a section shown is shown whole
        assert comment.count(f"## `{key}`") == 1
    assert comment.count("x" * 900) == len(shown)
    note = comment.rsplit("---", 1)[1]
    assert f"{200 - len(shown)} more orgs not shown" in note
    assert "job summaries and plan artifacts" in note
    named = re.findall(r"`(org-\d+)`", note)
    assert named
    assert not set(named) & set(shown)
    left_out = [s.key for s in sections if s.key not in shown]
    assert named == left_out[: len(named)]
    if len(named) < len(left_out):
        assert f"and {len(left_out) - len(named)} more" in note


def test_an_org_too_large_is_left_out_but_smaller_ones_after_it_still_show() -> None:
    sections = [section("huge", changes=True, size=70_000), section("small", changes=True), section("quiet")]
    comment = compose(sections, where="[the run](https://example.com/run)")
    assert headings(comment) == ["small", "quiet"]
    assert "1 more org not shown" in comment
    assert "`huge`" in comment
    assert "[the run](https://example.com/run)" in comment
    assert len(comment) <= GITHUB_COMMENT_LIMIT


def test_the_note_fits_even_when_thousands_of_orgs_are_left_out() -> None:
    sections = [section(f"customer-org-{i:05d}", changes=True, size=5_000) for i in range(5_000)]
    comment = compose(sections)
    assert len(comment) <= GITHUB_COMMENT_LIMIT
    assert re.search(r"and \d+ more\. Their plans are in", comment)


def test_a_limit_too_small_for_the_title_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="too small"):
        compose([section("acme", size=5_000)], limit=1_000)


def test_the_rendered_comment_has_a_heading_per_org_shown() -> None:
    comment = compose([section("acme", changes=True), section("globex", failed=True)])
    tokens = MarkdownIt().parse(comment)
    h2 = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2"]
    assert h2 == ["wxc-reconcile plan: 2 orgs", "`globex`: ❌ failed", "`acme`: 📝 changes"]


def test_no_org_touched_says_so() -> None:
    comment = compose([])
    assert comment.startswith(COMMENT_MARKER)
    assert "touches no org" in comment
