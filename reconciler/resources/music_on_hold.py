"""Music on hold of a location: PUT /telephony/config/locations/{locationId}/musicOnHold.

The file says whether held and parked calls hear music, the `greeting` (SYSTEM or CUSTOM) and, for
CUSTOM, an uploaded announcement by `fileName` and `level`, or an announcement playlist by name. The API
answers the playlist as `playlist {id, name}` and takes it as `playlistId`; it takes the file as the
announcement list names it (`id`, `fileName`, `mediaFileType`, `level`, which echoes its own answer). Both
names are resolved through org-wide lists read once per run, and only when some location names one:
GET /telephony/config/announcements/playlists and GET /telephony/config/announcements (every level's
files: `locationId=all`). The PUT is partial but requires `greeting`, so it is always sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from reconciler.desired.merge import FieldSet
from reconciler.desired.model import DesiredLocation, DesiredState, InputError
from reconciler.diff import FieldChange
from reconciler.names import unknown
from reconciler.resources.fields import FieldSpec
from reconciler.resources.plain import PlainSetting

if TYPE_CHECKING:
    from reconciler.state import CurrentState, LocationState
    from reconciler.webex.api import CallingApi

KIND = "musicOnHold"
GREETINGS = ("SYSTEM", "CUSTOM")
LEVELS = ("ORGANIZATION", "LOCATION")
AUDIO = "audioFile"
PLAYLIST = "playlist"
ANNOUNCEMENTS = "announcements"  # the lookup, and the list's key in its answer
PLAYLISTS = "playlists"
ANNOUNCEMENTS_PATH = "/telephony/config/announcements"
PLAYLISTS_PATH = "/telephony/config/announcements/playlists"

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        KIND,
        "object",
        (
            "What callers on hold or parked hear at the location (PUT /telephony/config/locations/"
            "{locationId}/musicOnHold). Only the sub-fields written are managed (at least one)."
        ),
        min_properties=1,
        children=(
            FieldSpec(f"{KIND}.callHoldEnabled", "boolean", "true to play music to held calls."),
            FieldSpec(f"{KIND}.callParkEnabled", "boolean", "true to play music to parked calls."),
            FieldSpec(
                f"{KIND}.greeting",
                "string",
                "SYSTEM: the system's music; CUSTOM: the location's `audioFile` or `playlist`.",
                enum=GREETINGS,
            ),
            FieldSpec(
                f"{KIND}.{AUDIO}",
                "object",
                "The uploaded announcement played for CUSTOM, by its file name and level. Use `audioFile` "
                "or `playlist`.",
                required=("fileName", "level"),
                children=(
                    FieldSpec(
                        f"{KIND}.{AUDIO}.fileName",
                        "string",
                        "The announcement's file name, as uploaded (AUDIO_FILE.wav).",
                        non_empty=True,
                        resolves=ANNOUNCEMENTS,
                    ),
                    FieldSpec(
                        f"{KIND}.{AUDIO}.level",
                        "string",
                        "Where the file was uploaded: ORGANIZATION or LOCATION.",
                        enum=LEVELS,
                    ),
                ),
            ),
            FieldSpec(
                f"{KIND}.{PLAYLIST}",
                "string",
                "The announcement playlist played for CUSTOM, by name. Use `audioFile` or `playlist`.",
                non_empty=True,
                resolves=PLAYLISTS,
            ),
        ),
    ),
)


def one_source(fields: FieldSet) -> list[InputError]:
    """`audioFile` or `playlist`, not both: the location plays one of them."""
    setting = fields.fields.get(KIND)
    if not isinstance(setting, dict) or AUDIO not in setting or PLAYLIST not in setting:
        return []
    message = f"{KIND} takes 'audioFile' or 'playlist', not both"
    return [InputError(fields.position(KIND, PLAYLIST, key=True), message)]


def _file_of(entry: Mapping[str, Any]) -> tuple[Any, Any]:
    return entry.get("fileName"), entry.get("level")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _shown_file(entry: Mapping[str, Any]) -> str:
    """A file as a message names it: its name and its level."""
    return f"{_text(entry.get('fileName'))} ({_text(entry.get('level'))})"


class MusicOnHoldResource(PlainSetting):
    # The GET, the diff (on the file's terms: `view`), the basis and the export are a plain setting's;
    # the names to resolve make the lookups, their checks and the body its own.
    kind = KIND
    title = "music on hold"
    fields = FIELDS
    endpoint = "musicOnHold"
    always_sent = ("greeting",)  # the PUT requires it
    kept = ("callHoldEnabled", "callParkEnabled", "greeting", AUDIO, PLAYLIST)
    field_rules = (one_source,)

    def lookups(self, desired: DesiredState) -> frozenset[str]:
        named = [self.desired(loc) or {} for loc in desired.locations]
        return frozenset(
            {ANNOUNCEMENTS for wanted in named if AUDIO in wanted}
            | {PLAYLISTS for wanted in named if PLAYLIST in wanted}
        )

    async def read_lookup(self, api: CallingApi, name: str) -> Any:
        if name == ANNOUNCEMENTS:
            params = {"locationId": "all"}
            return tuple(await api.client.list_items(ANNOUNCEMENTS_PATH, ANNOUNCEMENTS, params, None))
        if name == PLAYLISTS:
            return tuple(await api.client.list_items(PLAYLISTS_PATH, PLAYLISTS, None, None))
        return await super().read_lookup(api, name)

    def org_problems(self, location: DesiredLocation, current: CurrentState) -> list[InputError]:
        wanted = self.desired(location) or {}
        problems: list[InputError] = []
        if AUDIO in wanted and _announcement(wanted[AUDIO], current) is None:
            files = [
                f"{_text(e.get('fileName'))} ({_text(e.get('level'))})" for e in _list(current, ANNOUNCEMENTS)
            ]
            shown = f"{wanted[AUDIO]['fileName']} ({wanted[AUDIO]['level']})"
            problems.append(unknown(location, f"{KIND}.{AUDIO}.fileName", "announcement file", shown, files))
        if PLAYLIST in wanted and _playlist_id(wanted[PLAYLIST], current) is None:
            names = [_text(p.get("name")) for p in _list(current, PLAYLISTS)]
            problems.append(unknown(location, f"{KIND}.{PLAYLIST}", "playlist", wanted[PLAYLIST], names))
        return problems

    def view(self, live: Mapping[str, Any]) -> Mapping[str, Any]:
        # The file names the announcement by {fileName, level} and the playlist by its name.
        shown = {key: value for key, value in live.items() if key not in (AUDIO, PLAYLIST)}
        audio, playlist = live.get(AUDIO), live.get(PLAYLIST)
        if isinstance(audio, Mapping):
            shown[AUDIO] = {"fileName": audio.get("fileName"), "level": audio.get("level")}
        if isinstance(playlist, Mapping):
            shown[PLAYLIST] = playlist.get("name")
        return shown

    def body(
        self,
        location: DesiredLocation,
        wanted: Mapping[str, Any],
        state: LocationState,
        current: CurrentState,
        changes: tuple[FieldChange, ...],
    ) -> dict[str, Any] | InputError:
        body = super().body(location, wanted, state, current, changes)
        if isinstance(body, InputError):
            return body
        if AUDIO in body:
            # A change of either part sends the announcement whole, as the org's list names it.
            entry = _announcement(wanted[AUDIO], current) or {}
            body[AUDIO] = {key: entry.get(key) for key in ("id", "fileName", "mediaFileType", "level")}
        if PLAYLIST in body:
            body["playlistId"] = _playlist_id(body.pop(PLAYLIST), current)
        return body


def _list(current: CurrentState, name: str) -> tuple[Mapping[str, Any], ...]:
    return tuple(entry for entry in current.lookups.get(name, ()) if isinstance(entry, Mapping))


def _announcement(wanted: Mapping[str, Any], current: CurrentState) -> Mapping[str, Any] | None:
    """The org's announcement of that file name and level (its first, should the org have two)."""
    target = (wanted.get("fileName"), wanted.get("level"))
    return next((e for e in _list(current, ANNOUNCEMENTS) if _file_of(e) == target), None)


def _playlist_id(name: Any, current: CurrentState) -> str | None:
    found = (p.get("id") for p in _list(current, PLAYLISTS) if p.get("name") == name)
    return next((i for i in found if isinstance(i, str)), None)


RESOURCE = MusicOnHoldResource()
