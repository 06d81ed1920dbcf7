"""One fully built HTTP request, as a run's request source produces them.

A scenario builds a fresh request per call where anything in it is per request (a signed
API stamps each request with a timestamp and nonce) and may hand out the same object again
where nothing is; the load engine never caches or replays these objects itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode


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
