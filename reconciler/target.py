"""Which org a run reaches, as a saved plan records it: the connection says it, the plan file keeps it.

Its own module so that the connection (flags, token, client) and the saved plans need not know each
other.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """Which org a plan was made against; `org_id` None means the token's own org."""

    base_url: str
    org_id: str | None
