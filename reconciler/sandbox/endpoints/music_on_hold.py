"""Music on hold: GET/PUT /telephony/config/locations/{locationId}/musicOnHold, and the org's lists it
names things from: GET /telephony/config/announcements and GET /telephony/config/announcements/playlists.

State (`Location.settings["musicOnHold"]`): `callHoldEnabled`, `callParkEnabled`, `greeting`, and the
announcement as `{fileName, level}` or the playlist by `name` (named, as everything the state file
holds). The org's files and playlists are `SandboxOrg.settings["musicOnHold"]`: `{"announcements":
[{fileName, mediaFileType, level}], "playlists": [{name}]}`. GET answers `audioFile {id, fileName,
mediaFileType, level}` and `playlist {id, name}`; PUT requires `greeting`, is partial, and takes the
playlist as `playlistId` and the file by `id`, else by `fileName` + `mediaFileType` + `level` (the GET's
object echoed back is accepted). CUSTOM needs a file or a playlist. A location plays one of them, so
setting one drops the other (the simulator's choice: the record does not say). A location never set
answers the documented example's switches: both on, SYSTEM.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from reconciler.sandbox.api import Api, Routes, json_object
from reconciler.sandbox.errors import Violation, WebexError
from reconciler.sandbox.org import Location, SandboxOrg
from reconciler.sandbox.rules import check_fields, invalid

KEY = "musicOnHold"  # the endpoint's name: its path's last segment, its key in Location.settings
GREETINGS = ("SYSTEM", "CUSTOM")
MEDIA_TYPES = ("WAV", "WMA", "3GP")
LEVELS = ("ORGANIZATION", "LOCATION")
FILE_KEYS = ("fileName", "mediaFileType", "level")
# See `reconciler.sandbox.endpoints`.
ACCEPTED: dict[str, str] = {
    "callHoldEnabled": "boolean",
    "callParkEnabled": "boolean",
    "greeting": "|".join(GREETINGS),
    "audioFile": "object",
    "audioFile.id": "",
    "audioFile.fileName": r"[\s\S]+",  # any name but the empty one
    "audioFile.mediaFileType": "|".join(MEDIA_TYPES),
    "audioFile.level": "|".join(LEVELS),
    "playlistId": "",
}
NULLABLE: frozenset[str] = frozenset()
REQUIRED = ("greeting",)
DEFAULT: dict[str, Any] = {"callHoldEnabled": True, "callParkEnabled": True, "greeting": "SYSTEM"}


def announcements(org: SandboxOrg) -> list[dict[str, Any]]:
    """The org's uploaded files, each with its id."""
    files = org.settings.get(KEY, {}).get("announcements", [])
    return [{"id": _file_id(org, f), **{key: f[key] for key in FILE_KEYS}} for f in files]


def playlists(org: SandboxOrg) -> list[dict[str, str]]:
    """The org's announcement playlists, each with its id."""
    names = [str(p["name"]) for p in org.settings.get(KEY, {}).get("playlists", [])]
    return [{"id": org.id_of("PLAYLIST", name), "name": name} for name in names]


def _file_id(org: SandboxOrg, entry: Mapping[str, Any]) -> str:
    return org.id_of("ANNOUNCEMENT", f"{entry['level']}:{entry['fileName']}")


def check_update(body: Mapping[str, Any], org: SandboxOrg) -> list[Violation]:
    """Every violation of a musicOnHold PUT body."""
    violations = check_fields(
        {k: v for k, v in body.items() if k != "audioFile"}, ACCEPTED, NULLABLE, REQUIRED
    )
    audio = body.get("audioFile")
    if "audioFile" in body:
        violations.extend(_audio_problems(audio, org))
    if "playlistId" in body and not any(p["id"] == body["playlistId"] for p in playlists(org)):
        violations.append(invalid("playlistId", f"no announcement playlist {body['playlistId']!r}"))
    return violations


def _audio_problems(audio: Any, org: SandboxOrg) -> list[Violation]:
    if not isinstance(audio, dict):
        return [invalid("audioFile", "must be an object")]
    problems = check_fields(audio, ACCEPTED, NULLABLE, prefix="audioFile.")
    if problems:
        return problems
    if _announcement_of(audio, org) is None:
        why = f"names no announcement the org has uploaded (by id, else by {', '.join(FILE_KEYS)})"
        return [invalid("audioFile", why)]
    return []


def _announcement_of(audio: Mapping[str, Any], org: SandboxOrg) -> dict[str, Any] | None:
    """The org's file the body names: by `id` when it has one (the rest must then agree), else by all
    of fileName, mediaFileType and level."""
    for entry in announcements(org):
        if "id" in audio and audio["id"] != entry["id"]:
            continue
        if all(audio.get(key, entry[key]) == entry[key] for key in FILE_KEYS) and (
            "id" in audio or all(key in audio for key in FILE_KEYS)
        ):
            return entry
    return None


def view(org: SandboxOrg, location: Location) -> dict[str, Any]:
    """GET .../musicOnHold: the file and the playlist with their ids."""
    state = {**DEFAULT, **location.settings.get(KEY, {})}
    answer = {key: state[key] for key in DEFAULT}
    audio = state.get("audioFile")
    if audio is not None:
        answer["audioFile"] = next(
            e
            for e in announcements(org)
            if (e["fileName"], e["level"]) == (audio["fileName"], audio["level"])
        )
    if state.get("playlist") is not None:
        answer["playlist"] = next(p for p in playlists(org) if p["name"] == state["playlist"])
    return answer


def _updated(org: SandboxOrg, location: Location, body: Mapping[str, Any]) -> dict[str, Any]:
    state = {**DEFAULT, **location.settings.get(KEY, {})}
    state.update({key: body[key] for key in DEFAULT if key in body})
    if "audioFile" in body:
        entry = _announcement_of(body["audioFile"], org)
        assert entry is not None  # checked
        state["audioFile"] = {"fileName": entry["fileName"], "level": entry["level"]}
        state.pop("playlist", None)
    if "playlistId" in body:
        state["playlist"] = next(p["name"] for p in playlists(org) if p["id"] == body["playlistId"])
        state.pop("audioFile", None)
    return state


def refusals(body: Mapping[str, Any], org: SandboxOrg, location: Location) -> list[Violation]:
    """Every violation of a PUT body for this location: its own, then what it would leave unplayable."""
    violations = check_update(body, org)
    if violations:
        return violations
    state = _updated(org, location, body)
    if state["greeting"] == "CUSTOM" and "audioFile" not in state and "playlist" not in state:
        return [invalid("greeting", "CUSTOM needs an uploaded audioFile or a playlistId")]
    return []


class _Handlers:
    def __init__(self, api: Api) -> None:
        self.api = api

    async def get(self, request: Request) -> Response:
        return JSONResponse(view(self.api.org, self.api.location(request)))

    async def put(self, request: Request) -> Response:
        location, body = self.api.location(request), await json_object(request)
        violations = refusals(body, self.api.org, location)
        if violations:
            raise WebexError(400, violations)
        location.settings[KEY] = _updated(self.api.org, location, body)
        self.api.saved()
        return Response(status_code=204)

    async def list_announcements(self, request: Request) -> Response:
        # No locationId: the organization's files; `all` (or a location): every level's.
        files = announcements(self.api.org)
        if "locationId" not in request.query_params:
            files = [f for f in files if f["level"] == "ORGANIZATION"]
        return self.api.page(request, files, dict, "announcements")

    async def list_playlists(self, request: Request) -> Response:
        return self.api.page(request, playlists(self.api.org), dict, "playlists")


def routes(api: Api) -> Routes:
    handlers = _Handlers(api)
    return {
        f"/v1/telephony/config/locations/{{locationId}}/{KEY}": {"GET": handlers.get, "PUT": handlers.put},
        "/v1/telephony/config/announcements": {"GET": handlers.list_announcements},
        "/v1/telephony/config/announcements/playlists": {"GET": handlers.list_playlists},
    }
