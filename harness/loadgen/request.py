"""The unit a request factory produces: one fully built HTTP request.

Factories build a fresh request per call (a signed API stamps each request with a
timestamp and nonce), so the load engine never caches or replays these objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """One request, relative to the run's target URL.

    ``name`` groups requests in statistics (Locust's request name); ``path`` starts with
    ``/`` and is appended to the target URL's base path.
    """

    name: str
    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def url_path(self) -> str:
        """Path plus encoded query string, as sent on the request line."""
        if not self.query:
            return self.path
        sep = "&" if "?" in self.path else "?"
        return f"{self.path}{sep}{urlencode(dict(self.query))}"


def check_request(obj: object, origin: str) -> PreparedRequest:
    """Return ``obj`` if it is a well-formed :class:`PreparedRequest`, else raise ``TypeError``.

    Checked once in the caller before a run starts, so a broken factory fails with a
    one-line message instead of thousands of identical errors inside Locust.
    """
    if not isinstance(obj, PreparedRequest):
        raise TypeError(f"{origin} returned {type(obj).__name__}, expected PreparedRequest")
    if obj.method.upper() not in _METHODS:
        raise TypeError(f"{origin} returned unsupported method {obj.method!r}")
    if not obj.path.startswith("/"):
        raise TypeError(f"{origin} returned path {obj.path!r}; it must start with '/'")
    if not isinstance(obj.body, bytes):
        raise TypeError(f"{origin} returned a {type(obj.body).__name__} body; expected bytes")
    return obj
