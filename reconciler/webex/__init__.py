from reconciler.webex.api import CallingApi, ConnectionOption, Location, Named, UpdateResult
from reconciler.webex.client import DEFAULT_BASE_URL, RetryPolicy, WebexClient
from reconciler.webex.errors import WebexError

__all__ = [
    "DEFAULT_BASE_URL",
    "CallingApi",
    "ConnectionOption",
    "Location",
    "Named",
    "RetryPolicy",
    "UpdateResult",
    "WebexClient",
    "WebexError",
]
