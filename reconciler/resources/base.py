"""What every managed endpoint provides the pipeline, and the plain data it hands back.

The pipeline (state, plan, apply, verify, render, export) loops over the registry and asks each
resource; a resource never imports the pipeline (only its types, for annotations), so adding one is
adding a module.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from reconciler.diff import FieldChange, changed_since
from reconciler.resources.fields import FieldSpec

if TYPE_CHECKING:
    from reconciler.desired.merge import FieldSet
    from reconciler.desired.model import DesiredLocation, DesiredState, InputError
    from reconciler.export.document import LiveLocation
    from reconciler.jobs import JobOutcome, JobPolling
    from reconciler.plan import Step
    from reconciler.state import CurrentState, LocationState
    from reconciler.webex.api import CallingApi

# The org-wide lists the pipeline reads itself for whichever resource needs them (trunks and route
# groups; every location with its country).
SHARED_LOOKUPS = frozenset({"routes", "places"})

Outcome = Literal["applied", "failed", "skipped", "dry-run"]


@dataclass(frozen=True)
class Done:
    """How applying one step ended, as its resource tells it."""

    outcome: Outcome
    reason: str | None = None  # why it failed without an HTTP error
    batch_job_id: str | None = None
    job: JobOutcome | None = None


@dataclass
class ApplyContext:
    """What a resource's `apply` may use beyond the API: how jobs are waited for, one at a time."""

    api: CallingApi
    polling: JobPolling
    location_names: Mapping[str, str]  # job errors name locations by ID
    job_slot: asyncio.Lock  # one routing-prefix job at a time, org-wide


class Reads:
    """One location's GETs, each made at most once, however many resources need its answer; and what
    is known of the location without a GET of its own."""

    def __init__(
        self,
        api: CallingApi,
        location_id: str,
        listed: Mapping[str, Any] | None = None,
        *,
        details_read: bool = False,
    ) -> None:
        self.api = api
        self.location_id = location_id
        # The location's item of the calling-locations list, read once per run for every location.
        self.listed: Mapping[str, Any] = listed or {}
        # Whether the details GET is made anyway (a resource needs it): others may use its answer for free.
        self.details_read = details_read
        self._details: asyncio.Future[dict[str, Any]] | None = None

    async def details(self) -> dict[str, Any]:
        """GET /telephony/config/locations/{id}: the first to ask makes the call, the others share it.
        (A future, not a task: one per location adds up over thousands of locations.)"""
        if self._details is not None:
            return await self._details
        self._details = asyncio.get_running_loop().create_future()
        try:
            answer = await self.api.get_location_details(self.location_id)
        except BaseException as error:
            self._details.set_exception(error)
            self._details.exception()  # marked as retrieved: nobody else may be waiting for it
            raise
        self._details.set_result(answer)
        return answer


def merged(parts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The attributes each resource filled, into one set of keyword arguments; the `settings` of
    several resources are merged, each under its own kind."""
    fields: dict[str, Any] = {}
    settings: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if key == "settings":
                settings.update(value)
            else:
                fields[key] = value
    return {**fields, "settings": settings} if settings else fields


class Resource(ABC):
    """One managed endpoint of a location."""

    kind: str  # the step's `kind` in plans and reports
    title: str  # what people call it: "PSTN connection"
    fields: tuple[FieldSpec, ...]  # its desired-state fields
    method: str = "PUT"  # what its steps send
    # What the plan says of every step of this kind, beyond its changes (an action has no state to compare).
    note: str | None = None
    # Offline rules on one location's (or one `defaults` block's) fields, beyond the schema.
    field_rules: tuple[Callable[[FieldSet], list[InputError]], ...] = ()

    @abstractmethod
    def build(self, fields: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, ...]]]:
        """From a valid location's fields: the DesiredLocation attributes this resource fills, and the
        paths of the fields it manages (for their positions)."""

    def across_locations(self, locations: list[FieldSet]) -> list[InputError]:
        """Offline rules that hold across all locations (a value each must have its own of)."""
        return []

    def desired(self, location: DesiredLocation) -> Any:
        """What the file asks of this endpoint for `location`; None when it manages none of it. (Kept
        in `location.settings` by kind, as `build` returns it under `settings`.)"""
        return location.settings.get(self.kind)

    def live(self, state: LocationState) -> Mapping[str, Any] | None:
        """What was read of this endpoint; None when it was not read (not managed). (Kept in
        `state.settings` by kind, as `read` returns it under `settings`.)"""
        return state.settings.get(self.kind)

    def lookups(self, desired: DesiredState) -> frozenset[str]:
        """The org-wide lists this endpoint needs for `desired`: each is read once per run. The shared
        ones (SHARED_LOOKUPS) are read by the pipeline; any other is this endpoint's own, read by its
        `read_lookup` and handed back in `CurrentState.lookups` under its name."""
        return frozenset()

    async def read_lookup(self, api: CallingApi, name: str) -> Any:
        """Read one of this endpoint's own org-wide lists (a name its `lookups` returns)."""
        raise LookupError(f"{self.kind} reads no list named {name!r}")

    def needs_details(self, wanted: Any, listed: Mapping[str, Any]) -> bool:
        """Whether reading this endpoint for `wanted` takes the location's details GET (`listed`: the
        location's item of the calling-locations list). Decided before any location GET, so that the
        others know whether that answer is theirs for free (`Reads.details_read`)."""
        return False

    @abstractmethod
    async def read(self, reads: Reads, wanted: Any, route_names: Mapping[str, str]) -> dict[str, Any]:
        """Read the live endpoint for a location that manages it: LocationState's fields it fills."""

    async def read_export(self, reads: Reads) -> dict[str, Any]:
        """For `export`: what it reads of this endpoint beyond the details and PSTN answers LiveLocation
        holds, as `read` returns it (`{"settings": {kind: live}}`); {} when it needs nothing more."""
        return {}

    def org_problems(self, location: DesiredLocation, current: CurrentState) -> list[InputError]:
        """What the org cannot satisfy of what `location` asks here (names it does not know, ...)."""
        return []

    @abstractmethod
    def diff(self, wanted: Any, live: Mapping[str, Any], current: CurrentState) -> tuple[FieldChange, ...]:
        """The managed fields whose live value differs, as dotted desired-state paths."""

    @abstractmethod
    def body(
        self,
        location: DesiredLocation,
        wanted: Any,
        state: LocationState,
        current: CurrentState,
        changes: tuple[FieldChange, ...],
    ) -> dict[str, Any] | InputError:
        """The request body for `changes`, minimal; or why it cannot be built."""

    @abstractmethod
    def basis(self, wanted: Any, live: Mapping[str, Any]) -> dict[str, Any]:
        """The live values a step was computed from (a fresh plan compares them)."""

    def changed_since(self, basis: Mapping[str, Any], live: Mapping[str, Any]) -> tuple[FieldChange, ...]:
        """The fields of a saved step's `basis` whose `live` value (a fresh plan's reading) is another."""
        return changed_since(basis, live)

    @abstractmethod
    def path(self, location_id: str) -> str:
        """The endpoint's path for a location."""

    @abstractmethod
    async def apply(self, context: ApplyContext, step: Step) -> Done:
        """Send the step; raise WebexError for an HTTP failure."""

    def starts_job(self, step: Step) -> bool:
        """Whether the step starts an org-wide job, of which only one may run at a time."""
        return False

    @abstractmethod
    def export(
        self, live: LiveLocation, route_names: Mapping[str, str], notes: list[str]
    ) -> tuple[Mapping[str, Any], str | None]:
        """This endpoint's fields of `live` as the desired-state file writes them (names, never IDs; a
        value the file cannot hold is left out and said in `notes`), and a phrase for the location's
        comment, if it has one to say."""


# The export's YAML helpers, for the resources' `export`: ruamel is imported only when exporting, as
# planning never needs it (and the export package builds on the resources).


def text(value: str) -> str:
    """A string as the export writes it (quoted when a YAML reader would take it for something else)."""
    from reconciler.export import emit

    return emit.text(value)


def digits(value: str) -> str:
    """Digits, always double-quoted."""
    from reconciler.export import emit

    return emit.digits(value)


def comment_text(value: str) -> str:
    """A value made safe for a YAML comment."""
    from reconciler.export import emit

    return emit.comment_text(value)
