"""The sandbox's orgs as plain data, and their persistence.

In memory, everything is kept by its Webex ID, in insertion order. On disk (the seed
`examples/sandbox-org.json` and the state files of `--sandbox`), things are named, not identified: IDs
derive from names (unpadded base64 of ``ciscospark://us/<TYPE>/<uuid5(NAMESPACE_URL, name)>``), so they
are stable across runs. Only routing-prefix jobs carry a uuid4 of their own.

A state of several orgs (`SandboxOrgs`, on disk ``{"orgs": [org, ...]}``, e.g.
`examples/partner/sandbox-partner.json`) derives each org's IDs from the org as well as the name
(``uuid5(<the org's uuid>, name)``): two customers may both have a "HQ", and as on the live API no ID
of one org is an ID of another. A one-org state keeps the format and the IDs it always had.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID  # `uuid` alone is a field of Job

from reconciler.shipped import data_file

# The location settings the details PUT can write, in the API's own names. They are stored as a dict
# under these keys, so the state file and the API read alike. Kept apart from reconciler.desired on
# purpose: the simulator stands for the API and must not share the client's reading of it.
DETAIL_FIELDS: tuple[str, ...] = (
    "announcementLanguage",
    "callingLineId",
    "externalCallerIdName",
    "pAccessNetworkInfo",
    "outsideDialDigit",
    "enforceOutsideDialDigit",
    "routingPrefix",
    "chargeNumber",
)
ROUTE_KINDS = {"TRUNK": "trunk", "ROUTE_GROUP": "routeGroup"}  # premiseRouteType -> key in the file


class StateFileError(ValueError):
    """A sandbox state file that cannot be used: unreadable, not a state file, or locked too long."""


def webex_id(kind: str, key: str | uuid.UUID, scope: uuid.UUID | None = None) -> str:
    """A Webex-style ID of `kind` (LOCATION, TRUNK, ...): from a name, or from a uuid as it is.

    `scope`: the uuid of the org a name is in, in a state of several orgs (None: the one-org IDs).
    """
    ident = key if isinstance(key, uuid.UUID) else uuid.uuid5(scope or uuid.NAMESPACE_URL, key)
    return base64.b64encode(f"ciscospark://us/{kind}/{ident}".encode()).decode().rstrip("=")


@dataclass
class PstnConnection:
    """The PSTN connection of a location: the connection option in use, plus the route of a local gateway."""

    option_id: str
    route_type: str | None = None  # TRUNK | ROUTE_GROUP, for a local gateway only
    route_id: str | None = None


@dataclass
class Location:
    name: str
    address: dict[str, str | None]  # address1, address2, city, state, postalCode, country
    time_zone: str
    preferred_language: str = "en_us"
    latitude: str | None = None
    longitude: str | None = None
    notes: str | None = None
    numbers: list[str] = field(default_factory=list)  # phone numbers that belong to the location
    details: dict[str, Any] | None = None  # DETAIL_FIELDS; None: not enabled for Webex Calling
    pstn: PstnConnection | None = None
    # Each further endpoint's state, by the endpoint module's name, as that module keeps it (plain JSON):
    # a new endpoint needs no field of its own here. Absent: the endpoint's documented defaults.
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The org's uuid in a state of several orgs, which the IDs derive from too (see the module).
    scope: uuid.UUID | None = field(default=None, compare=False, repr=False)
    id: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.id = webex_id("LOCATION", self.name, self.scope)

    @property
    def country(self) -> str:
        return self.address.get("country") or ""


@dataclass
class Trunk:
    name: str
    location: str  # the name of the trunk's location
    trunk_type: str = "REGISTERING"
    scope: uuid.UUID | None = field(default=None, compare=False, repr=False)
    id: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.id = webex_id("TRUNK", self.name, self.scope)


@dataclass
class RouteGroup:
    name: str
    scope: uuid.UUID | None = field(default=None, compare=False, repr=False)
    id: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.id = webex_id("ROUTE_GROUP", self.name, self.scope)


@dataclass
class ConnectionOption:
    display_name: str
    pstn_connection_type: str  # LOCAL_GATEWAY | NON_INTEGRATED_CCP | INTEGRATED_CCP | CISCO_PSTN
    pstn_services: list[str]
    countries: list[str] | None = None  # None: available everywhere
    scope: uuid.UUID | None = field(default=None, compare=False, repr=False)
    id: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.id = webex_id("PSTN_CONNECTION", self.display_name, self.scope)

    def available_in(self, country: str) -> bool:
        return self.countries is None or country in self.countries


@dataclass
class JobError:
    description: str
    code: int
    location: str  # location name


@dataclass
class Job:
    """A routing-prefix job. Its status is derived from the time since `created` (see `phase`)."""

    uuid: str
    location: str  # name of the location whose prefix changed
    created: float  # seconds since the epoch, from the settings' clock
    tracking_id: str
    errors: list[JobError] = field(default_factory=list)
    # With errors, a job ends FAILED, unless it updated some of what it had to: then it ends COMPLETED
    # with exit code COMPLETED_WITH_ERRORS.
    partly_done: bool = False
    # A failed job leaves the location with the prefix it had before; the org puts `old_prefix` back
    # once the job has ended (see SandboxOrg.end_jobs), as GET shows the new prefix while it runs.
    restore_prefix: bool = False
    old_prefix: str | None = None
    scope: UUID | None = field(default=None, compare=False, repr=False)  # for its errors' location IDs
    id: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.id = webex_id("JOB_ID", uuid.UUID(self.uuid))

    def phase(self, now: float, duration: float) -> str:
        """STARTING for the first third of `duration`, STARTED to its end, then COMPLETED or FAILED."""
        elapsed = now - self.created
        if elapsed >= duration:
            return "FAILED" if self.errors and not self.partly_done else "COMPLETED"
        return "STARTING" if elapsed < duration / 3 else "STARTED"

    def exit_code(self, now: float, duration: float) -> str:
        """UNKNOWN while running, then FAILED, COMPLETED_WITH_ERRORS or COMPLETED."""
        phase = self.phase(now, duration)
        if phase == "COMPLETED" and self.errors:
            return "COMPLETED_WITH_ERRORS"
        return phase if phase in ("COMPLETED", "FAILED") else "UNKNOWN"

    def running(self, now: float, duration: float) -> bool:
        return self.phase(now, duration) in ("STARTING", "STARTED")


_T = TypeVar("_T", Location, Trunk, RouteGroup, ConnectionOption, Job)


def _by_id(items: Iterable[_T]) -> dict[str, _T]:
    return {item.id: item for item in items}


@dataclass
class SandboxOrg:
    name: str
    locations: dict[str, Location] = field(default_factory=dict)
    trunks: dict[str, Trunk] = field(default_factory=dict)
    route_groups: dict[str, RouteGroup] = field(default_factory=dict)
    options: dict[str, ConnectionOption] = field(default_factory=dict)  # PSTN connection options
    jobs: dict[str, Job] = field(default_factory=dict)  # routing-prefix jobs
    # Org-wide data an endpoint module keeps for itself (JSON, by the module's key), as `Location.settings`.
    settings: dict[str, Any] = field(default_factory=dict)
    # In a state of several orgs: the org's uuid, which its objects' IDs derive from too; None: one org.
    scope: uuid.UUID | None = field(default=None, compare=False, repr=False)
    id: str = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.id = webex_id("ORGANIZATION", self.name)

    def id_of(self, kind: str, name: str) -> str:
        """The ID of this org's object of `kind` named `name`."""
        return webex_id(kind, name, self.scope)

    # --- queries ---------------------------------------------------------------------------------
    def calling_location(self, location_id: str) -> Location | None:
        """The location with this ID if it is enabled for Webex Calling."""
        location = self.locations.get(location_id)
        return location if location is not None and location.details is not None else None

    def options_for(self, location: Location) -> list[ConnectionOption]:
        """The PSTN connection options available to a location (some are limited to countries)."""
        return [o for o in self.options.values() if o.available_in(location.country)]

    def available_option(self, location: Location, option_id: str) -> ConnectionOption | None:
        option = self.options.get(option_id)
        return option if option is not None and option.available_in(location.country) else None

    def local_gateway_option(self, location: Location) -> ConnectionOption | None:
        """The connection option a local gateway of this location is reported under."""
        return next(
            (o for o in self.options_for(location) if o.pstn_connection_type == "LOCAL_GATEWAY"), None
        )

    def prefix_owner(self, prefix: str) -> Location | None:
        for location in self.locations.values():
            if location.details is not None and location.details["routingPrefix"] == prefix:
                return location
        return None

    def routes_in_use(self) -> set[str]:
        """IDs of the trunks and route groups some location's PSTN connection goes through."""
        return {loc.pstn.route_id for loc in self.locations.values() if loc.pstn and loc.pstn.route_id}

    def running_job(self, now: float, duration: float) -> Job | None:
        return next((job for job in self.jobs.values() if job.running(now, duration)), None)

    # --- mutations -------------------------------------------------------------------------------
    def update_details(self, location: Location, fields: Mapping[str, Any]) -> None:
        """Write the sent detail fields; a `callingLineId` without `name` keeps the current name."""
        assert location.details is not None
        for key, value in fields.items():
            if key == "callingLineId":
                current = location.details.get("callingLineId") or {}
                value = {"name": value.get("name", current.get("name")), "phoneNumber": value["phoneNumber"]}
            location.details[key] = value

    def start_prefix_job(self, location: Location, now: float, tracking_id: str) -> Job:
        job = Job(
            uuid=str(uuid.uuid4()),
            location=location.name,
            created=now,
            tracking_id=tracking_id,
            scope=self.scope,
        )
        self.jobs[job.id] = job
        return job

    def end_jobs(self, now: float, duration: float) -> bool:
        """Put back the old prefix of every failed job that has ended since; True when one was."""
        restored = False
        for job in self.jobs.values():
            if job.restore_prefix and not job.running(now, duration):
                location = self.locations.get(self.id_of("LOCATION", job.location))
                if location is not None and location.details is not None:
                    location.details["routingPrefix"] = job.old_prefix
                job.restore_prefix = False
                restored = True
        return restored

    # --- persistence -----------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """JSON-ready data in the seed's format (names instead of IDs)."""
        return {
            "name": self.name,
            "locations": [self._location_json(loc) for loc in self.locations.values()],
            "trunks": [
                {"name": t.name, "location": t.location, "trunkType": t.trunk_type}
                for t in self.trunks.values()
            ],
            "routeGroups": [{"name": rg.name} for rg in self.route_groups.values()],
            "connectionOptions": [
                {
                    "displayName": o.display_name,
                    "pstnConnectionType": o.pstn_connection_type,
                    "pstnServices": list(o.pstn_services),
                    "countries": None if o.countries is None else list(o.countries),
                }
                for o in self.options.values()
            ],
            "jobs": [
                {
                    "uuid": j.uuid,
                    "location": j.location,
                    "created": j.created,
                    "trackingId": j.tracking_id,
                    "errors": [
                        {"description": e.description, "code": e.code, "location": e.location}
                        for e in j.errors
                    ],
                    "partlyDone": j.partly_done,
                    "restorePrefix": j.restore_prefix,
                    "oldPrefix": j.old_prefix,
                }
                for j in self.jobs.values()
            ],
            **({"settings": json.loads(json.dumps(self.settings))} if self.settings else {}),
        }

    def _location_json(self, loc: Location) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": loc.name,
            "timeZone": loc.time_zone,
            "preferredLanguage": loc.preferred_language,
            "address": dict(loc.address),
            "latitude": loc.latitude,
            "longitude": loc.longitude,
            "notes": loc.notes,
            "numbers": list(loc.numbers),
        }
        if loc.details is not None:
            data["calling"] = dict(loc.details)
            if loc.details["callingLineId"] is not None:
                data["calling"]["callingLineId"] = dict(loc.details["callingLineId"])
        if loc.pstn is not None:
            data["pstn"] = {"option": self.options[loc.pstn.option_id].display_name}
            if loc.pstn.route_type is not None and loc.pstn.route_id is not None:
                routes: Mapping[str, Trunk | RouteGroup] = (
                    self.trunks if loc.pstn.route_type == "TRUNK" else self.route_groups
                )
                data["pstn"][ROUTE_KINDS[loc.pstn.route_type]] = routes[loc.pstn.route_id].name
        if loc.settings:
            data["settings"] = json.loads(json.dumps(loc.settings))  # a deep copy, JSON all the way down
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any], scope: uuid.UUID | None = None) -> SandboxOrg:
        """The org of `data` (the seed's format); `scope`: its uuid in a state of several orgs."""
        return cls(
            name=data["name"],
            locations=_by_id(_location_from_json(item, scope) for item in data.get("locations", [])),
            trunks=_by_id(
                Trunk(t["name"], t["location"], t.get("trunkType", "REGISTERING"), scope=scope)
                for t in data.get("trunks", [])
            ),
            route_groups=_by_id(RouteGroup(rg["name"], scope=scope) for rg in data.get("routeGroups", [])),
            options=_by_id(
                ConnectionOption(
                    o["displayName"],
                    o["pstnConnectionType"],
                    list(o["pstnServices"]),
                    o.get("countries"),
                    scope=scope,
                )
                for o in data.get("connectionOptions", [])
            ),
            jobs=_by_id(
                Job(
                    j["uuid"],
                    j["location"],
                    float(j["created"]),
                    j["trackingId"],
                    [JobError(e["description"], int(e["code"]), e["location"]) for e in j.get("errors", [])],
                    partly_done=bool(j.get("partlyDone", False)),
                    restore_prefix=bool(j.get("restorePrefix", False)),
                    old_prefix=j.get("oldPrefix"),
                    scope=scope,
                )
                for j in data.get("jobs", [])
            ),
            settings=dict(data.get("settings") or {}),
            scope=scope,
        )

    @classmethod
    def seed(cls) -> SandboxOrg:
        """The built-in org ("Big Corp") that the README's example plans against."""
        return cls.from_json(_read_json(data_file("sandbox-org.json")))

    @classmethod
    def load(cls, path: Path) -> SandboxOrg:
        """The token's own org of the state at `path` (see SandboxOrgs.load)."""
        return SandboxOrgs.load(path).own

    def become(self, other: SandboxOrg) -> None:
        """Take on `other`'s whole state, in place: the app and its middleware hold this object."""
        for item in fields(self):
            setattr(self, item.name, getattr(other, item.name))

    def save(self, path: Path) -> None:
        """Write this org alone as the state at `path`, atomically."""
        _write_json(path, self.to_json())

    @classmethod
    def generate(cls, n_locations: int, name: str | None = None) -> SandboxOrg:
        """A deterministic big org for benchmarks: `Site-00001`... in US/FR/DE/GB, a trunk per 10 sites.

        Even-numbered sites go through their group's trunk (local gateway), odd ones through "Pure IP
        Cloud"; route groups and connection options are the seed's. Routing prefixes are unique.
        `name`: an org of that name, its IDs scoped to it (one of several orgs); None: the seed's org.
        """
        scope = None if name is None else org_scope(name)
        seed = cls.from_json(_read_json(data_file("sandbox-org.json")), scope)
        org = cls(name=name or seed.name, route_groups=seed.route_groups, options=seed.options, scope=scope)
        local_gateway = next(o for o in seed.options.values() if o.pstn_connection_type == "LOCAL_GATEWAY")
        cloud = next(o for o in seed.options.values() if o.display_name == "Pure IP Cloud")
        for i in range(n_locations):
            country, city, zone, language, number_prefix, outside = _GENERATED_PLACES[
                i % len(_GENERATED_PLACES)
            ]
            site = f"Site-{i + 1:05d}"
            number = f"{number_prefix}{i:07d}"
            if i % 10 == 0:
                trunk = Trunk(f"Trunk-{i // 10 + 1:05d}", site, scope=scope)
                org.trunks[trunk.id] = trunk
            pstn = (
                PstnConnection(local_gateway.id, "TRUNK", trunk.id)
                if i % 2 == 0
                else PstnConnection(cloud.id)
            )
            location = Location(
                name=site,
                address={
                    "address1": f"{i + 1} Main Street",
                    "address2": None,
                    "city": city,
                    "state": None,
                    "postalCode": f"{10000 + i % 90000}",
                    "country": country,
                },
                time_zone=zone,
                preferred_language=language,
                numbers=[number],
                details={
                    "announcementLanguage": language,
                    "callingLineId": {"name": site, "phoneNumber": number},
                    "externalCallerIdName": org.name,
                    "pAccessNetworkInfo": None,
                    "outsideDialDigit": outside,
                    "enforceOutsideDialDigit": False,
                    "routingPrefix": str(1000 + i),
                    "chargeNumber": None,
                },
                pstn=pstn,
                scope=scope,
            )
            org.locations[location.id] = location
        return org


class SandboxOrgs:
    """Every org of the sandbox. The first is the token's own: a request without `orgId` acts in it; the
    sandbox's token (a partner's) may act in each of them, and in no other."""

    def __init__(self, orgs: Iterable[SandboxOrg]) -> None:
        self.orgs: dict[str, SandboxOrg] = {}
        for org in orgs:
            if org.id in self.orgs:
                raise ValueError(f"two orgs named {org.name!r}")
            self.orgs[org.id] = org
        if not self.orgs:
            raise ValueError("a sandbox state needs at least one org")

    @classmethod
    def of(cls, orgs: SandboxOrg | SandboxOrgs) -> SandboxOrgs:
        """`orgs` as they are, or one org as a state of its own."""
        return orgs if isinstance(orgs, SandboxOrgs) else cls([orgs])

    @property
    def own(self) -> SandboxOrg:
        """The token's own org: the first."""
        return next(iter(self.orgs.values()))

    def get(self, org_id: str) -> SandboxOrg | None:
        return self.orgs.get(org_id)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SandboxOrgs) and list(self.orgs.items()) == list(other.orgs.items())

    __hash__ = None  # type: ignore[assignment]  # mutable, as SandboxOrg

    def __repr__(self) -> str:
        return f"SandboxOrgs({[org.name for org in self.orgs.values()]!r})"

    # --- persistence -----------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """One org made without a scope: the one-org format; else ``{"orgs": [...]}``."""
        if len(self.orgs) == 1 and self.own.scope is None:
            return self.own.to_json()
        return {"orgs": [org.to_json() for org in self.orgs.values()]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SandboxOrgs:
        if "orgs" not in data:
            return cls([SandboxOrg.from_json(data)])
        items = data["orgs"]
        if not isinstance(items, list):
            raise TypeError('"orgs" is not a list')
        return cls(SandboxOrg.from_json(item, org_scope(item["name"])) for item in items)

    @classmethod
    def seed(cls) -> SandboxOrgs:
        """The built-in one-org state (see SandboxOrg.seed)."""
        return cls([SandboxOrg.seed()])

    @classmethod
    def partner(cls) -> SandboxOrgs:
        """The partner example's two customer orgs (`examples/partner/sandbox-partner.json`)."""
        return cls.from_json(_read_json(data_file("partner") / "sandbox-partner.json"))

    @classmethod
    def generate(cls, n_orgs: int, n_locations: int) -> SandboxOrgs:
        """`n_orgs` generated orgs (`Customer-001`...) of `n_locations` each (see SandboxOrg.generate)."""
        return cls(SandboxOrg.generate(n_locations, name=f"Customer-{i + 1:03d}") for i in range(n_orgs))

    @classmethod
    def load(cls, path: Path) -> SandboxOrgs:
        """The state saved at `path`, or the built-in one-org seed when there is no such file;
        StateFileError if unusable."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls.seed()
        except OSError as exc:
            raise StateFileError(f"{path}: cannot read the sandbox state: {exc.strerror}") from None
        try:
            orgs = cls.from_json(json.loads(text))
            orgs.to_json()  # every name it refers to (an option, a trunk) is there, or a KeyError
        except (ValueError, LookupError, TypeError, AttributeError, RecursionError) as exc:
            # A cut-off write, a hand edit, a file of another kind: its content is no use, and the
            # message says how to start afresh rather than quoting it.
            reason = f"{type(exc).__name__}: {exc}"[:200]
            raise StateFileError(
                f"{path}: not a sandbox state file ({reason}); "
                f"`wxc-reconcile sandbox reset --state {path}` starts the sandbox org afresh"
            ) from None
        return orgs

    def become(self, other: SandboxOrgs) -> None:
        """Take on `other`'s orgs, in place; an org of both keeps its object (the app's tests hold it)."""
        for org_id, org in other.orgs.items():
            mine = self.orgs.get(org_id)
            if mine is not None:
                mine.become(org)
                other.orgs[org_id] = mine
        self.orgs = other.orgs

    def save(self, path: Path) -> None:
        """Write the state atomically: a temporary file beside `path`, then os.replace."""
        _write_json(path, self.to_json())


def org_scope(name: str) -> uuid.UUID:
    """The uuid an org's IDs derive from in a state of several orgs: its own ID's."""
    return uuid.uuid5(uuid.NAMESPACE_URL, name)


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write `data` to `path` atomically: a temporary file beside it, then os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            # One compact line: indenting makes json 6x slower, which a 10,000-location org feels.
            out.write(json.dumps(data, ensure_ascii=False) + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# country, city, time zone, language, main-number prefix (7 more digits follow), outside dial digit
_GENERATED_PLACES = (
    ("US", "Dallas", "America/Chicago", "en_us", "+1214", "9"),
    ("FR", "Lyon", "Europe/Paris", "fr_fr", "+3347", "0"),
    ("DE", "Hamburg", "Europe/Berlin", "de_de", "+4940", "0"),
    ("GB", "Leeds", "Europe/London", "en_gb", "+44113", "9"),
)


def _location_from_json(item: Mapping[str, Any], scope: uuid.UUID | None) -> Location:
    calling = item.get("calling")
    details = None
    if calling is not None:
        details = {key: calling.get(key) for key in DETAIL_FIELDS}
        details["enforceOutsideDialDigit"] = bool(calling.get("enforceOutsideDialDigit", False))
    pstn = None
    if item.get("pstn") is not None:
        spec = item["pstn"]
        pstn = PstnConnection(webex_id("PSTN_CONNECTION", spec["option"], scope))
        if "trunk" in spec:
            pstn = PstnConnection(pstn.option_id, "TRUNK", webex_id("TRUNK", spec["trunk"], scope))
        elif "routeGroup" in spec:
            route_group = webex_id("ROUTE_GROUP", spec["routeGroup"], scope)
            pstn = PstnConnection(pstn.option_id, "ROUTE_GROUP", route_group)
    return Location(
        name=item["name"],
        address=dict(item["address"]),
        time_zone=item["timeZone"],
        preferred_language=item.get("preferredLanguage", "en_us"),
        latitude=item.get("latitude"),
        longitude=item.get("longitude"),
        notes=item.get("notes"),
        numbers=list(item.get("numbers", [])),
        details=details,
        pstn=pstn,
        settings={str(k): dict(v) for k, v in (item.get("settings") or {}).items() if isinstance(v, dict)},
        scope=scope,
    )
