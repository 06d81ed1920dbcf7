"""`--target emulator | URL`: one place that turns the option into a base URL for a run."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from harness.errors import UsageError


@dataclass(frozen=True)
class Target:
    url: str
    is_emulator: bool

    @property
    def label(self) -> str:
        return "emulator" if self.is_emulator else self.url


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--target {url!r}: expected 'emulator' or an http(s) URL such as http://127.0.0.1:8000")
    return url.rstrip("/")


@contextmanager
def open_target(target: str, *, engine: str = "fast", **settings: object) -> Iterator[Target]:
    """Start the embedded emulator on a free loopback port for the block, or pass a URL through."""
    if target != "emulator":
        yield Target(url=check_url(target), is_emulator=False)
        return
    from harness.emulator import EmulatorServer, build_settings, create_app

    app = create_app(build_settings(None, engine=engine, **settings))
    with EmulatorServer(app) as url:
        yield Target(url=url, is_emulator=True)
