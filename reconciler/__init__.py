"""wxc-reconcile: a declarative GitOps reconciler for Webex Calling locations."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("wxc-reconcile")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
