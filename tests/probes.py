"""Strings on which two format rules must agree, and how to read the simulator's formats.

The simulator's endpoint modules describe each PUT field's format as plain data (see
`reconciler.sandbox.endpoints`): the source of a pattern a string must match in full, "" for any
string, or a type word. The probes are near the edges of every format in use: digit counts, E.164
lengths and leading digits, language-code case and length, name lengths, route types.
"""

from __future__ import annotations

import re

from reconciler.sandbox.endpoints import TYPE_WORDS

PROBES: tuple[str, ...] = (
    # digits: outsideDialDigit, routingPrefix
    "",
    "0",
    "1",
    "9",
    "12",
    "123",
    "1234567",
    "12345678",
    "0212",
    "12a",
    "#",
    " 1",
    "1 ",
    "1\n",
    "\u0661",  # ARABIC-INDIC DIGIT ONE: a digit to \d, not to [0-9]
    # E.164: callingLineId.phoneNumber, chargeNumber
    "+14155550100",
    "+0123",
    "+0123456789",
    "+123456",
    "+1234567",
    "+123456789012345",
    "+1234567890123456",
    "14155550100",
    "+1 415 555 0100",
    "++14155550100",
    # language codes: announcementLanguage
    "en_us",
    "en_US",
    "EN_US",
    "fr_fr",
    "fil_ph",  # Filipino: a three-letter ISO 639 code
    "e_us",
    "en-us",
    "en_usa",
    "en_us\n",
    # names: callingLineId.name, externalCallerIdName, pAccessNetworkInfo
    "a",
    "Big Corp-Denver",
    "x" * 30,
    "x" * 31,
    "\u00e9" * 30,
    "a\nb",
    # route and connection types
    "TRUNK",
    "ROUTE_GROUP",
    "trunk",
    "LOCAL_GATEWAY",
    "NON_INTEGRATED_CCP",
    # the enums of further endpoints: intercept types and greetings
    "INTERCEPT_ALL",
    "ALLOW_ALL",
    "ALLOW_LOCAL_ONLY",
    "intercept_all",
    "DEFAULT",
    "CUSTOM",
    "2147691003",  # a destination as documented: no +
)


def simulator_accepts(form: str, value: str) -> bool:
    """Whether a string passes a simulator format that is a pattern ("" takes any string)."""
    assert form not in TYPE_WORDS, form
    return form == "" or re.fullmatch(form, value) is not None
