"""Pure: a saved plan's steps against a fresh plan's, and every difference in plain words.

`apply --plan FILE PATHS` plans PATHS afresh against the live org and applies that fresh plan only when
its steps are exactly the saved ones (location, location ID, kind, method, path, body, the changes shown,
the live values they were computed from, and their order). Whatever the file says is only compared,
never sent, so a forged file can do nothing but be refused.

A plan that is merely stale (the org changed since) is told in the words people know from before: each
managed field that was one value when planned and is another now. Every other difference is told step by
step: what the saved plan would do that a fresh plan does not, and the other way round.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconciler import __version__
from reconciler.desired.display import printable
from reconciler.plan import Plan, Step
from reconciler.planfile import SavedPlan, StalePlan, canonical
from reconciler.render.text import show_value
from reconciler.resources import resource_of
from reconciler.state import CurrentState

# Longest name or value shown whole: a forged file must not print a megabyte into a CI log.
SHOWN_LENGTH = 120
Key = tuple[str, str]  # a step's location name and kind: what people call it


def check(saved: SavedPlan, fresh: Plan, current: CurrentState, source: str) -> None:
    """StalePlan, naming every difference, unless the saved steps are exactly the fresh plan's."""
    if _spelled(saved.plan.steps) == _spelled(fresh.steps):
        return
    stale, reasons = differences(saved, fresh, current, source)
    if stale:
        raise StalePlan(reasons)
    raise StalePlan(
        reasons or ["its steps differ from a fresh plan's"],
        f"{source} does not match a fresh plan of the desired state against the org",
    )


def differences(saved: SavedPlan, fresh: Plan, current: CurrentState, source: str) -> tuple[bool, list[str]]:
    """Whether the org changed since the plan was made, and every way its steps differ from the fresh ones."""
    stale: set[int] = set()
    reasons: list[str] = []
    for index, step in enumerate(saved.plan.steps):
        changed = changed_since_planned(step, current)
        if changed:
            stale.add(index)
            reasons += changed
    reasons += _step_differences(saved.plan.steps, fresh.steps, stale)
    if not stale and saved.tool_version != __version__:
        reasons.append(
            f"{source} was made by wxc-reconcile {printable(saved.tool_version)}; this is {__version__}, "
            "which may plan the same files differently"
        )
    return bool(stale), reasons


def changed_since_planned(step: Step, current: CurrentState) -> list[str]:
    """Each managed field of the step's endpoint that was one value when planned and is another now.

    The live values are those the fresh plan read for the same location (same name, same ID); a step
    naming one location and the ID of another has none, and is told apart as a difference instead.
    """
    state = current.locations.get(step.location)
    if state is None or state.id != step.location_id:
        return []
    resource = resource_of(step.kind)
    live = resource.live(state)
    if live is None:  # the desired state does not manage this endpoint (any more)
        return []
    return [
        f"{where(step)}: {change.field} was {shown(change.before)} when planned, is {shown(change.after)} now"
        for change in resource.changed_since(step.basis, live)
    ]


def _step_differences(saved: Sequence[Step], fresh: Sequence[Step], stale: set[int]) -> list[str]:
    """The differences step by step, steps paired by location and kind, in the order of the plans."""
    saved_by, fresh_by = _by_key(saved), _by_key(fresh)
    reasons: list[str] = []
    pairs: list[tuple[int, int]] = []
    for key in dict.fromkeys([*saved_by, *fresh_by]):
        mine, theirs = saved_by.get(key, []), fresh_by.get(key, [])
        for i, j in zip(mine, theirs, strict=False):
            pairs.append((i, j))
            if i not in stale:
                reasons += _pair_differences(saved[i], fresh[j])
        extra = [i for i in mine[len(theirs) :] if i not in stale]  # a stale step says why already
        if extra or len(theirs) > len(mine):
            reasons.append(_count_difference(key, saved[extra[0]] if extra else None, mine, theirs, fresh))
    reasons += _order_difference(saved, pairs)
    return reasons


def _by_key(steps: Sequence[Step]) -> dict[Key, list[int]]:
    found: dict[Key, list[int]] = {}
    for index, step in enumerate(steps):
        found.setdefault((step.location, step.kind), []).append(index)
    return found


def _count_difference(
    key: Key, extra: Step | None, mine: list[int], theirs: list[int], fresh: Sequence[Step]
) -> str:
    """One plan has more steps for this location and kind than the other."""
    label = _label(*key)
    if mine and theirs:
        return f"{label}: the saved plan has {len(mine)} such steps, a fresh plan {len(theirs)}"
    if extra is not None:
        return (
            f"{label}: the saved plan has this step ({extra.method} {shown(extra.path)}), "
            "a fresh plan of the desired state has none"
        )
    fields = ", ".join(change.field for change in fresh[theirs[0]].changes)
    return f"{label}: a fresh plan has this step (changing {fields}), the saved plan has none"


def _pair_differences(saved: Step, fresh: Step) -> list[str]:
    """How a saved step differs from the fresh step for the same location and kind."""
    label = where(saved)
    found = [
        f"{label}: {what} {shown(mine)} in the saved plan, {shown(theirs)} in a fresh plan"
        for what, mine, theirs in (
            ("location ID", saved.location_id, fresh.location_id),
            ("method", saved.method, fresh.method),
            ("path", saved.path, fresh.path),
        )
        if mine != theirs
    ]
    found += [f"{label}: {difference}" for difference in _body_differences(saved.body, fresh.body)]
    if not found and _spelled(saved.changes) != _spelled(fresh.changes):
        found.append(f"{label}: the changes the saved plan shows are not the ones a fresh plan finds")
    if not found and canonical(saved.basis) != canonical(fresh.basis):
        found.append(f"{label}: the live values the saved plan records are not the ones a fresh plan read")
    return found


def _body_differences(saved: Mapping[str, Any], fresh: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    for key in dict.fromkeys([*saved, *fresh]):
        name = shown(key)
        if key not in fresh:
            found.append(
                f"the saved plan would send {name} = {shown(saved[key])}, a fresh plan does not send it"
            )
        elif key not in saved:
            found.append(f"a fresh plan sends {name} = {shown(fresh[key])}, the saved plan does not")
        elif canonical(saved[key]) != canonical(fresh[key]):
            found.append(
                f"the saved plan would send {name} = {shown(saved[key])}, a fresh plan {shown(fresh[key])}"
            )
    return found


def _order_difference(saved: Sequence[Step], pairs: list[tuple[int, int]]) -> list[str]:
    """The first two steps both plans have that the saved plan runs in the other order."""
    latest: tuple[int, int] | None = None  # of the pairs met so far, the one that comes last when fresh
    for i, j in sorted(pairs):
        if latest is not None and j < latest[1]:
            first, then = where(saved[latest[0]]), where(saved[i])
            return [f"the saved plan runs {first} before {then}; a fresh plan runs them the other way round"]
        latest = (i, j)
    return []


def where(step: Step) -> str:
    return _label(step.location, step.kind)


def _label(location: str, kind: str) -> str:
    return f"{printable(location, SHOWN_LENGTH)} {resource_of(kind).title}"


def shown(value: Any) -> str:
    """A JSON value as the user would write it, one line, cut short."""
    return printable(show_value(value), SHOWN_LENGTH)


def _spelled(items: Sequence[Step] | Sequence[Any]) -> str:
    """Steps or changes in one canonical spelling, to compare exactly."""
    return canonical([item.to_dict() for item in items])
