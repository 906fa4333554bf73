from reconciler.webex.api import CallingApi, ConnectionOption, Location, Named, UpdateResult
from reconciler.webex.client import DEFAULT_BASE_URL, ClientStats, RetryPolicy, WebexClient
from reconciler.webex.errors import NoAnswer, WebexError
from reconciler.webex.limiter import AdaptiveLimiter, LimiterStats

__all__ = [
    "DEFAULT_BASE_URL",
    "AdaptiveLimiter",
    "CallingApi",
    "ClientStats",
    "ConnectionOption",
    "LimiterStats",
    "Location",
    "Named",
    "NoAnswer",
    "RetryPolicy",
    "UpdateResult",
    "WebexClient",
    "WebexError",
]
