"""`--target emulator | URL`: the one place that opens a run's target (the emulator with its own
credentials, so a config holding a live service's cannot lock it out)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from harness.clients import Credentials
from harness.errors import UsageError

if TYPE_CHECKING:
    from harness.contract import Contract
    from harness.emulator import EmulatorSettings
    from harness.emulator.engines import Engine


ENGINES = ("fast", "dlib")  # the emulator's face engines: fast (not biometric) and dlib


def check_engine(engine: str | None) -> None:
    """``--engine`` of every command, one message (None: the command's default)."""
    if engine is not None and engine not in ENGINES:
        raise UsageError(f"--engine {engine!r}: expected fast or dlib")


@dataclass(frozen=True)
class Target:
    url: str
    is_emulator: bool
    credentials: Credentials  # the emulator's own; for a URL, the caller's
    secrets: tuple[str, ...] = ()  # the credential values to keep out of reports
    settings: EmulatorSettings | None = None  # the emulator's EmulatorSettings; None for a URL
    engine: str | None = None  # the emulator's face engine

    @property
    def label(self) -> str:
        """``emulator`` or the URL without user info or query (for reports and caches)."""
        return "emulator" if self.is_emulator else url_label(self.url)


def check_url(url: str) -> str:
    """The base URL as given, without a trailing slash. User info and a query are refused: they
    would travel into every report (and httpx would send the user info as Basic auth in place of
    the token); the paths are appended to the URL, which a query would swallow."""
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed IPv6 bracket ("http://[::1"): was an "internal error"
        parts = urlsplit("")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        shown = url_label(url) if "@" in url else url
        raise UsageError(
            f"--target {shown!r}: expected 'emulator' or an http(s) URL such as "
            "http://127.0.0.1:8000"
        )
    try:
        port = parts.port  # a port out of range or not a number raises here
    except ValueError:
        port = 0
    if port == 0:  # was taken, and the run ended "unreachable" after writing its --out
        shown = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
        raise UsageError(f"--target {shown!r}: the port is not a number in 1-65535")
    if "@" not in parts.netloc and not _host_name_ok(parts.hostname):
        raise UsageError(
            f"--target {url_label(url)!r}: {parts.hostname!r} is not a host name (labels of 1-63 "
            "letters, digits or hyphens) nor an IP address"
        )
    if "@" in parts.netloc:
        raise UsageError(
            f"--target {url_label(url)!r}: credentials in the URL (user:password@) are not "
            "supported; give the token or appkey in the environment or the config file"
        )
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        raise UsageError(
            f"--target {url_label(url)!r}: a base URL takes no query or fragment (the API's "
            "paths are appended to it)"
        )
    return url.rstrip("/")


def _host_name_ok(host: str) -> bool:
    """What the resolver can look up: the socket layer encodes a name by IDNA, whose error (an
    empty or 64-character label) was an "internal error: UnicodeError", and a blank in it was
    sent to DNS as it is."""
    import ipaddress

    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        host.encode("idna")
    except UnicodeError:
        return False
    return not any(c.isspace() or c in '"%<>\\^`{|}' for c in host)


def url_label(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:  # unparseable (an unclosed IPv6 bracket): its user info is never shown
        return "an unparseable URL"
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


@contextmanager
def open_target(
    target: str,
    *,
    engine: str | None = "fast",
    config: Path | None = None,
    contract: Contract | None = None,
    engine_obj: Engine | None = None,
    extra_appkeys: tuple[Mapping[str, Any], ...] = (),
    credentials: Credentials | None = None,
    **settings: object,
) -> Iterator[Target]:
    """The embedded emulator on a free loopback port for the block, or the URL as given."""
    from harness.clients import load_credentials

    if target != "emulator":
        url = check_url(target)
        given = credentials or load_credentials(config)
        yield Target(url=url, is_emulator=False, credentials=given, secrets=tuple(given.secrets()))
        return
    given = credentials or (load_credentials(config) if config is not None else Credentials())
    from harness.emulator import AppKey, EmulatorServer, build_settings, create_app

    built = build_settings(config, engine=engine, **settings)
    known = {k.appkey for k in built.appkeys}
    if extra := [AppKey(**k) for k in extra_appkeys if k["appkey"] not in known]:
        built = built.model_copy(update={"appkeys": (*built.appkeys, *extra)})
    key = built.appkeys[0]
    own = Credentials(token=built.tokens[0], jd_appkey=key.appkey, jd_secretkey=key.secretkey)
    keys = [(k.appkey, k.secretkey) for k in built.appkeys]
    secrets = (*built.tokens, *(s for pair in keys for s in pair), *given.secrets())
    app = create_app(built, contract=contract, engine=engine_obj)
    name = str(getattr(engine_obj, "name", built.engine))
    with EmulatorServer(app) as url:
        yield Target(url, True, own, tuple(dict.fromkeys(secrets)), built, name)
