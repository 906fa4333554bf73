"""Re-languaging a location's existing people and features: POST
/telephony/config/locations/{locationId}/actions/modifyAnnouncementLanguage/invoke.

`announcementLanguage` (a location detail) is only the default for people and features created later;
this action is what changes the language of those that exist. It is an action, not a setting: nothing
can be read back to compare, so it reads nothing and follows the details instead. A location that
writes `applyAnnouncementLanguageTo: [people, features]` gets this step right after its details step,
in a plan where the details change `announcementLanguage`, and in no other (invoke only on a change).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from reconciler.desired.merge import FieldSet
from reconciler.desired.model import DesiredLocation, InputError
from reconciler.diff import FieldChange
from reconciler.resources import details
from reconciler.resources.base import ApplyContext, Done, Reads, Resource
from reconciler.resources.fields import FieldSpec
from reconciler.webex.api import details_path

if TYPE_CHECKING:
    from reconciler.export.document import LiveLocation
    from reconciler.plan import Step
    from reconciler.state import CurrentState, LocationState

KIND = "modifyAnnouncementLanguage"
TITLE = "announcement language of existing people and features"
FIELD = "applyAnnouncementLanguageTo"
LANGUAGE = "announcementLanguage"  # the detail it follows
# Whom the file says the change reaches, and the body flag that reaches them.
AUDIENCES: dict[str, str] = {"people": "agentEnabled", "features": "serviceEnabled"}

FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        FIELD,
        "array",
        (
            "Whom a change of announcementLanguage reaches beyond new people and features: people "
            "(existing people and workspaces), features (existing call features), or both. When "
            "announcementLanguage changes, the location's modifyAnnouncementLanguage action runs for "
            "them right after the details change; it runs in no other plan (an action has no state to "
            "compare). Needs announcementLanguage in the same location or its defaults."
        ),
        enum=tuple(AUDIENCES),
        non_empty=True,
    ),
)


def language_written(fields: FieldSet) -> list[InputError]:
    """A location that says whom a language change reaches manages its announcementLanguage."""
    if fields.is_defaults or FIELD not in fields.fields or LANGUAGE in fields.fields:
        return []  # a defaults block on its own may leave the language to each location
    message = (
        f"{FIELD} says whom a change of {LANGUAGE} reaches, but this location does not manage "
        f"{LANGUAGE}: write it here or in defaults, or leave {FIELD} out"
    )
    return [InputError(fields.position(FIELD), message)]


class AnnouncementLanguageAction(Resource):
    kind = KIND
    title = TITLE
    fields = FIELDS
    field_rules = (language_written,)
    method = "POST"
    note = f"an action: no state to compare; runs because {LANGUAGE} changes"

    def build(self, fields: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, ...]]]:
        if FIELD not in fields or LANGUAGE not in fields:
            return {}, []
        wanted = {LANGUAGE: fields[LANGUAGE], FIELD: list(fields[FIELD])}
        return {"settings": {KIND: wanted}}, [(FIELD,)]

    def live(self, state: LocationState) -> Mapping[str, Any] | None:
        """The details it follows (read for the details step: the action itself has nothing to read)."""
        return state.details

    async def read(self, reads: Reads, wanted: Any, route_names: Mapping[str, str]) -> dict[str, Any]:
        return {}

    def diff(
        self, wanted: Mapping[str, Any], live: Mapping[str, Any], current: CurrentState
    ) -> tuple[FieldChange, ...]:
        # The details' own comparison: this step comes exactly when the details step changes the language.
        if not details.RESOURCE.diff({LANGUAGE: wanted[LANGUAGE]}, live, current):
            return ()
        # No before: nothing says what language each person or feature has now.
        return tuple(
            FieldChange(f"{FIELD}.{audience}", None, wanted[LANGUAGE])
            for audience in AUDIENCES
            if audience in wanted[FIELD]
        )

    def body(
        self,
        location: DesiredLocation,
        wanted: Mapping[str, Any],
        state: LocationState,
        current: CurrentState,
        changes: tuple[FieldChange, ...],
    ) -> dict[str, Any]:
        # Both flags, false ones too: the record gives no default for a flag left out.
        flags = {flag: audience in wanted[FIELD] for audience, flag in AUDIENCES.items()}
        return {"announcementLanguageCode": wanted[LANGUAGE], **flags}

    def basis(self, wanted: Mapping[str, Any], live: Mapping[str, Any]) -> dict[str, Any]:
        return {LANGUAGE: live.get(LANGUAGE)}

    def path(self, location_id: str) -> str:
        return f"{details_path(location_id)}/actions/modifyAnnouncementLanguage/invoke"

    async def apply(self, context: ApplyContext, step: Step) -> Done:
        answer = await context.api.client.request(step.method, step.path, json=step.body)
        if answer.status_code == 204:
            return Done("applied")
        return Done(
            "failed",
            reason=f"HTTP {answer.status_code}, not the 204 the action answers: whether it ran is unknown",
        )

    def export(
        self, live: LiveLocation, route_names: Mapping[str, str], notes: list[str]
    ) -> tuple[dict[str, Any], None]:
        return {}, None  # an action leaves no state behind to export


RESOURCE = AnnouncementLanguageAction()
