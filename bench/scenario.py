"""What a benchmark run is made of: the generated org (or orgs), a desired state for each, the server, its
request log.

Shared by bench/plan_bench.py and tests/test_bench_counts.py. Nothing here measures time or memory;
`RequestTimes` only notes when the server saw each request arrive and leave.
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import shutil
import sys
import time
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from reconciler.sandbox import RecordedRequest, SandboxOrg, SandboxOrgs, SandboxSettings, ServerThread
from reconciler.sandbox.org import Location

TOKEN = "bench-token-0123456789abcdefghijklmnopqrstuvwxyz"
DRIFTED_CALLER_ID_NAME = "Drifted Caller ID"

# The detail fields the desired state manages, in the file's order. `pAccessNetworkInfo` is left out:
# managing it (with a value) makes the reconciler read /locations for countries, which is not part of
# the bound this benchmark measures against.
MANAGED_DETAILS: tuple[str, ...] = (
    "announcementLanguage",
    "callingLineId",
    "externalCallerIdName",
    "outsideDialDigit",
    "enforceOutsideDialDigit",
    "routingPrefix",
    "chargeNumber",
)

# Request kinds, in the order reports show them.
LIST_PATHS: dict[str, str] = {
    "/v1/telephony/config/locations": "list calling locations",
    "/v1/telephony/config/premisePstn/trunks": "list trunks",
    "/v1/telephony/config/premisePstn/routeGroups": "list route groups",
    "/v1/locations": "list locations",
}
KINDS: tuple[str, ...] = (
    *LIST_PATHS.values(),
    "GET details",
    "GET PSTN",
    "GET options",
    "PUT details",
    "PUT PSTN",
    "job polls",
)
_DETAILS = re.compile(r"/v1/telephony/config/locations/([^/]+)")
_PSTN = re.compile(r"/v1/telephony/pstn/locations/([^/]+)/connection")
_OPTIONS = re.compile(r"/v1/telephony/pstn/locations/([^/]+)/connectionOptions")
_JOBS = "/v1/telephony/config/jobs/updateRoutingPrefix/"


# --- the desired state ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PstnSpec:
    """A location's desired PSTN connection, by names, as the file says it."""

    type: str  # LOCAL_GATEWAY | NON_INTEGRATED_CCP
    trunk: str | None = None
    route_group: str | None = None
    provider: str | None = None


@dataclass(frozen=True)
class Entry:
    """One location of the desired-state file."""

    name: str
    location_id: str
    details: Mapping[str, Any]  # MANAGED_DETAILS, as the API names them
    pstn: PstnSpec | None  # None: the PSTN connection is not managed


@dataclass(frozen=True)
class Scenario:
    """A desired state for a generated org, and where (by construction) it differs from the org."""

    org: SandboxOrg
    entries: tuple[Entry, ...]
    drift_details: frozenset[str] = frozenset()  # names of locations whose managed details differ
    drift_pstn: frozenset[str] = frozenset()  # names of locations whose PSTN connection differs
    drift_prefix: frozenset[str] = frozenset()  # of drift_details, those whose routingPrefix differs

    @property
    def drifted_endpoints(self) -> set[tuple[str, str]]:
        """(location id, "details" | "pstn") of every endpoint an apply must PUT exactly once."""
        ids = {e.name: e.location_id for e in self.entries}
        return {(ids[n], "details") for n in self.drift_details} | {(ids[n], "pstn") for n in self.drift_pstn}

    @property
    def drifted_locations(self) -> int:
        return len(self.drift_details | self.drift_pstn)

    def managed_gets(self) -> int:
        """The GETs of the locations' own endpoints a plan needs, the floor the issue's bound counts: the
        details of each (the desired state manages more of them than the calling-locations list carries),
        and the PSTN connection of each that manages one, but for a local gateway the details already
        show as desired (they name its route)."""
        return sum(bool(e.details) + self.reads_pstn(e) for e in self.entries)

    def reads_pstn(self, entry: Entry) -> bool:
        """Whether a plan needs the PSTN GET of `entry`'s location."""
        if entry.pstn is None:
            return False
        shown_by_details = bool(entry.details) and entry.pstn.type == "LOCAL_GATEWAY"
        return not shown_by_details or entry.name in self.drift_pstn

    def needed_lists(self) -> dict[str, int]:
        """The lists that resolve the names this desired state uses, each with its number of items."""
        org = self.org
        lists = {"list calling locations": sum(loc.details is not None for loc in org.locations.values())}
        if any(e.pstn is not None and e.pstn.trunk for e in self.entries):
            lists["list trunks"] = len(org.trunks)
        if any(e.pstn is not None and e.pstn.route_group for e in self.entries):
            lists["list route groups"] = len(org.route_groups)
        return lists

    def needed_pages(self, max_page_size: int) -> dict[str, int]:
        """Pages of each needed list at the API's largest `max` (an empty list still takes one)."""
        return {kind: max(1, math.ceil(n / max_page_size)) for kind, n in self.needed_lists().items()}

    def yaml(self) -> str:
        return desired_yaml(self.entries)

    def write(self, directory: Path, name: str = "locations.yaml") -> Path:
        path = directory / name
        path.write_text(self.yaml(), encoding="utf-8")
        return path


def build_scenario(
    org: SandboxOrg,
    *,
    drift: int = 0,
    seed: int = 0,
    pstn_unmanaged: Collection[str] = (),
    prefix_drift: int = 0,
) -> Scenario:
    """A desired state managing every calling location of `org` as it is, except `drift` locations.

    The drifted locations are picked at random (by `seed`); in turn each gets both endpoints changed,
    then the details only, then the PSTN connection only (the details only where `pstn` is unmanaged).
    A details drift sets another `externalCallerIdName`; a PSTN drift moves a local gateway to a cloud
    provider and a cloud provider to a trunk. Routing prefixes drift only in the first `prefix_drift` of
    the drifted locations (a new unique prefix, so their details drift too): each change starts an
    org-wide job, and those run one at a time, so a benchmark of the reconciler's speed leaves them out.
    """
    calling = [loc for loc in org.locations.values() if loc.details is not None]
    if not 0 <= drift <= len(calling):
        raise ValueError(f"cannot drift {drift} of {len(calling)} locations")
    if not 0 <= prefix_drift <= drift:
        raise ValueError(f"cannot drift the routing prefix of {prefix_drift} of {drift} drifted locations")
    chosen = {
        name: turn
        for turn, name in enumerate(random.Random(seed).sample([loc.name for loc in calling], drift))
    }
    drift_details: set[str] = set()
    drift_pstn: set[str] = set()
    drift_prefix: set[str] = set()
    trunks = sorted(t.name for t in org.trunks.values())
    entries = []
    for index, location in enumerate(calling):
        pstn = None if location.name in pstn_unmanaged else _current_pstn(org, location)
        details = _current_details(location)
        if location.name in chosen:
            turn = ("both", "details", "pstn")[chosen[location.name] % 3]
            if pstn is None:
                turn = "details"
            if turn in ("both", "details"):
                details = {**details, "externalCallerIdName": DRIFTED_CALLER_ID_NAME}
                drift_details.add(location.name)
            if turn in ("both", "pstn") and pstn is not None:
                pstn = _other_pstn(org, location, pstn, trunks, index)
                drift_pstn.add(location.name)
            if chosen[location.name] < prefix_drift:
                # 7 digits from 9000000 up: unique, and never one of the generated org's (1000 + i).
                details = {**details, "routingPrefix": f"9{index:06d}"}
                drift_details.add(location.name)
                drift_prefix.add(location.name)
        entries.append(Entry(location.name, location.id, details, pstn))
    return Scenario(
        org, tuple(entries), frozenset(drift_details), frozenset(drift_pstn), frozenset(drift_prefix)
    )


@dataclass(frozen=True)
class Estate:
    """A partner's estate: generated orgs in one sandbox state, and a scenario for each, by org key."""

    orgs: SandboxOrgs
    scenarios: Mapping[str, Scenario]  # by the org's key in the project file: customer-001, ...

    def write(self, directory: Path) -> Path:
        """The config repo: `wxc-reconcile.yaml` naming every org, and `orgs/<key>/locations.yaml`."""
        lines = ["# Written by bench/scenario.py: a generated estate, one org per customer.", ""]
        lines += ["version: 1", "orgs:"]
        for key, scenario in self.scenarios.items():
            folder = directory / "orgs" / key
            folder.mkdir(parents=True, exist_ok=True)
            scenario.write(folder)
            lines += [f"  {key}:", f"    orgId: {scenario.org.id}", f"    paths: [orgs/{key}]"]
        project = directory / "wxc-reconcile.yaml"
        project.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return project


def build_estate(n_orgs: int, n_locations: int, *, drift: int = 0, seed: int = 0) -> Estate:
    """`n_orgs` generated orgs of `n_locations` each, every org's desired state as build_scenario makes
    it (`drift` locations each, picked by `seed` plus the org's number, so the orgs drift apart)."""
    orgs = SandboxOrgs.generate(n_orgs, n_locations)
    scenarios = {
        org.name.lower(): build_scenario(org, drift=drift, seed=seed + number)
        for number, org in enumerate(orgs.orgs.values())
    }
    return Estate(orgs, scenarios)


def _current_details(location: Location) -> dict[str, Any]:
    assert location.details is not None
    details = {key: location.details.get(key) for key in MANAGED_DETAILS}
    calling_line_id = details["callingLineId"]
    if isinstance(calling_line_id, dict):
        details["callingLineId"] = {k: v for k, v in calling_line_id.items() if v is not None}
    else:
        del details["callingLineId"]  # no number: nothing to manage
    return details


def _current_pstn(org: SandboxOrg, location: Location) -> PstnSpec | None:
    """The location's PSTN connection as the file would say it; None when the API cannot set it."""
    pstn = location.pstn
    if pstn is None:
        return None
    if pstn.route_type == "TRUNK" and pstn.route_id in org.trunks:
        return PstnSpec("LOCAL_GATEWAY", trunk=org.trunks[pstn.route_id].name)
    if pstn.route_type == "ROUTE_GROUP" and pstn.route_id in org.route_groups:
        return PstnSpec("LOCAL_GATEWAY", route_group=org.route_groups[pstn.route_id].name)
    option = org.options[pstn.option_id]
    if option.pstn_connection_type == "NON_INTEGRATED_CCP":
        return PstnSpec("NON_INTEGRATED_CCP", provider=option.display_name)
    return None


def _other_pstn(
    org: SandboxOrg, location: Location, current: PstnSpec, trunks: Sequence[str], index: int
) -> PstnSpec:
    if current.type == "NON_INTEGRATED_CCP" and trunks:
        return PstnSpec("LOCAL_GATEWAY", trunk=trunks[index // 10 % len(trunks)])
    providers = [
        o.display_name
        for o in org.options_for(location)
        if o.pstn_connection_type == "NON_INTEGRATED_CCP" and o.display_name != current.provider
    ]
    if not providers:
        raise ValueError(f"{location.name}: no other PSTN connection to drift to")
    return PstnSpec("NON_INTEGRATED_CCP", provider=providers[0])


def desired_yaml(entries: Iterable[Entry]) -> str:
    """The desired-state file. Every scalar is written as JSON, which YAML reads alike: strings quoted
    (so digits stay strings), true/false, null."""
    lines = ["# Written by bench/scenario.py: a generated org's locations, as the benchmark wants them.", ""]
    lines += ["version: 1", "locations:"]
    for entry in entries:
        lines.append(f"  - name: {json.dumps(entry.name)}")
        if entry.pstn is not None:
            lines.append("    pstn:")
            lines.append(f"      type: {entry.pstn.type}")
            for key, value in (
                ("trunk", entry.pstn.trunk),
                ("routeGroup", entry.pstn.route_group),
                ("provider", entry.pstn.provider),
            ):
                if value is not None:
                    lines.append(f"      {key}: {json.dumps(value)}")
        for key, value in entry.details.items():
            if isinstance(value, dict):
                lines.append(f"    {key}:")
                lines.extend(f"      {k}: {json.dumps(v)}" for k, v in value.items())
            else:
                lines.append(f"    {key}: {json.dumps(value)}")
    return "\n".join(lines) + "\n"


# --- the request log -----------------------------------------------------------------------------------


def kind_of(request: RecordedRequest) -> str:
    """What a logged request was for, one of KINDS (or "other METHOD path" for anything unexpected)."""
    path, method = request.path, request.method
    if method == "GET" and path in LIST_PATHS:
        return LIST_PATHS[path]
    if path.startswith(_JOBS) and method == "GET":
        return "job polls"
    if _DETAILS.fullmatch(path) and method in ("GET", "PUT"):
        return f"{method} details"
    if _PSTN.fullmatch(path) and method in ("GET", "PUT"):
        return f"{method} PSTN"
    if _OPTIONS.fullmatch(path) and method == "GET":
        return "GET options"
    return f"other {method} {path}"


def org_of(request: RecordedRequest) -> str | None:
    """The orgId a request acted in; None: the token's own org."""
    return request.query.get("orgId")


def location_of(request: RecordedRequest) -> str | None:
    """The location ID in a details, PSTN or options path."""
    for pattern in (_DETAILS, _PSTN, _OPTIONS):
        match = pattern.fullmatch(request.path)
        if match:
            return match.group(1)
    return None


@dataclass
class RequestCounts:
    """The server's log of one run, counted by kind."""

    sent: Counter[str] = field(default_factory=Counter)  # every request, 429s included
    throttled: Counter[str] = field(default_factory=Counter)  # of which answered 429
    failed: Counter[str] = field(default_factory=Counter)  # answered another 4xx/5xx, or dropped
    list_max: set[str] = field(default_factory=set)  # the `max` the list requests asked for

    @classmethod
    def of(cls, requests: Iterable[RecordedRequest]) -> RequestCounts:
        counts = cls()
        for request in requests:
            kind = kind_of(request)
            counts.sent[kind] += 1
            if request.status == 429:
                counts.throttled[kind] += 1
            elif request.status >= 400 or request.status == 0:
                counts.failed[kind] += 1
            if kind in LIST_PATHS.values():
                counts.list_max.add(request.query.get("max", "none"))
        return counts

    @property
    def total(self) -> int:
        return sum(self.sent.values())

    def answered(self, kind: str) -> int:
        """Requests of `kind` not refused with 429 (the ones that reached the API)."""
        return self.sent[kind] - self.throttled[kind]

    def kinds(self) -> list[str]:
        """KINDS, then anything unexpected that was sent."""
        return [*KINDS, *sorted(k for k in self.sent if k not in KINDS)]


def put_problems(requests: Iterable[RecordedRequest], scenario: Scenario) -> list[str]:
    """Where the PUTs break "exactly one PUT per endpoint with drift, none elsewhere".

    A PUT answered 429 reached no route and changed nothing, so its retry is not a second PUT.
    """
    names = {e.location_id: e.name for e in scenario.entries}
    accepted: Counter[tuple[str, str]] = Counter()
    problems = []
    for request in requests:
        if request.method != "PUT" or request.status == 429:
            continue
        kind = kind_of(request).removeprefix("PUT ").lower()
        location = location_of(request) or "?"
        accepted[location, kind] += 1
        if not 200 <= request.status < 300:
            problems.append(f"PUT {kind} of {names.get(location, location)} answered {request.status}")
    for endpoint in sorted(scenario.drifted_endpoints | set(accepted)):
        expected = 1 if endpoint in scenario.drifted_endpoints else 0
        if accepted[endpoint] != expected:
            location, kind = endpoint
            problems.append(
                f"{names.get(location, location)} {kind}: {accepted[endpoint]} PUTs, expected {expected}"
            )
    return problems


# --- the server ----------------------------------------------------------------------------------------


class RequestTimes:
    """ASGI middleware, outermost: (arrived, answered) on time.perf_counter for every request."""

    def __init__(self, app: ASGIApp, times: list[tuple[float, float]]) -> None:
        self.app = app
        self.times = times

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        arrived = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.times.append((arrived, time.perf_counter()))


@dataclass(frozen=True)
class Mark:
    requests: int
    times: int


class BenchServer:
    """The sandbox over real HTTP on 127.0.0.1 (ServerThread), accepting only TOKEN, timing each request."""

    def __init__(self, org: SandboxOrg | SandboxOrgs, settings: SandboxSettings) -> None:
        self.thread = ServerThread(org, token=TOKEN, settings=settings)
        self.times: list[tuple[float, float]] = []
        self.thread.app.add_middleware(RequestTimes, times=self.times)

    @property
    def base_url(self) -> str:
        return self.thread.base_url

    @property
    def settings(self) -> SandboxSettings:
        return self.thread.settings

    def mark(self) -> Mark:
        return Mark(len(self.thread.requests), len(self.times))

    def requests_since(self, mark: Mark) -> list[RecordedRequest]:
        return self.thread.requests[mark.requests :]

    def span_since(self, mark: Mark) -> float | None:
        """Seconds from the first request's arrival to the last answer, since `mark`; None: no request."""
        times = self.times[mark.times :]
        if not times:
            return None
        return max(end for _, end in times) - min(start for start, _ in times)

    def __enter__(self) -> BenchServer:
        self.thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.thread.stop()


# --- the reconciler as a user runs it ------------------------------------------------------------------


def cli_path() -> str:
    """The installed `wxc-reconcile` console script, next to this Python first."""
    found = shutil.which("wxc-reconcile", path=str(Path(sys.executable).parent)) or shutil.which(
        "wxc-reconcile"
    )
    if not found:
        raise RuntimeError("the wxc-reconcile command is not installed (python -m pip install -e .)")
    return found


def cli_env(base_url: str) -> dict[str, str]:
    """The environment for the CLI: no Webex/GitHub settings of the caller's, the token, the server."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("WEBEX_", "GITHUB_"))}
    environ.update({"NO_COLOR": "1", "WEBEX_ACCESS_TOKEN": TOKEN, "WEBEX_BASE_URL": base_url})
    return environ
