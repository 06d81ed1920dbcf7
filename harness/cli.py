"""The `faceharness` command: options in, one library call, result out, exit code once."""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

from harness import interrupt

if __name__ == "__main__" or Path(sys.argv[0]).name == "faceharness":  # the program, not an import
    interrupt.on_startup()

import typer  # noqa: E402 - after the startup handler: these imports take seconds
from rich.markup import escape  # noqa: E402
from rich.table import Table

from harness import commands
from harness.commands._options import Config, Target, add_exit_codes, path_option, typer_app
from harness.console import console, reader_left, standard_streams, write_line
from harness.errors import HarnessError, UsageError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from harness.clients import FaceMatchClient, JdFaceCompareClient

app = typer_app(
    pretty_exceptions_enable=False,
    help="Contract tests, fuzzing, load and accuracy checks for face-comparison APIs.",
)
specs_app = typer_app(help="The contract read from specs/.")
call_app = typer_app(help="Send one real request and print the parsed answer.")
app.add_typer(specs_app, name="specs")
app.add_typer(call_app, name="call")

out = console()
err = console(stderr=True)

SpecsDir = Annotated[
    Path | None, path_option("--specs", "specs directory (default: the repository's specs/)")
]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("faceharness")
        except PackageNotFoundError:  # run from a source tree that was never installed
            number = "unknown (not installed)"
        typer.echo(f"faceharness {number}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", is_eager=True, callback=_version, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """Options before any command (only --version); the app's help= is what --help shows."""
    interrupt.begin()  # a command run in-process after a caught Ctrl-C (CliRunner) starts clean


def _contract(specs: Path | None) -> Any:
    from harness.contract import load_contract

    return load_contract(specs)


# --- specs ---------------------------------------------------------------------------------
@specs_app.command("validate")
def specs_validate(specs: SpecsDir = None) -> None:
    """Load both specs, the code table and the errata, and cross-check them."""
    c = _contract(specs)
    counts = f"{len(c.operations)} operations, {len(c.codes)} codes, {len(c.errata)} errata"
    out.print(f"ok: {counts} in {c.specs_dir}", markup=False)


def _table(title: str, columns: str, rows: Any) -> None:
    table = Table(*columns.split("|"), title=title)
    for row in rows:
        table.add_row(*map(escape, row))
    out.print(table)


@specs_app.command("show")
def specs_show(specs: SpecsDir = None) -> None:
    """Endpoints, fields, codes and errata at a glance."""
    c = _contract(specs)

    def fields(op: Any) -> str:
        schema = c.spec(op.api).schemas[op.request_schema] if op.request_schema else {}
        return ", ".join(schema.get("properties", {})) or "-"

    ext, yes, star = {True: " (extension)", False: ""}, {True: "yes", False: "no"}, [" *", ""]
    _table(
        "Operations",
        "api|operation|method + path|request fields",
        (
            (o.api, o.operation_id + ext[o.extension], o.label, fields(o))
            for o in c.operations.values()
        ),
    )
    _table(
        "Codes",
        "api|where|code|category|retryable|meaning",
        (
            (k.api, k.where, k.code, k.category, yes[k.retryable], k.en + star[k.documented])
            for k in c.codes.codes
        ),  # fmt: skip
    )
    out.print("* decided by faceharness where the document is silent (see ERRATA)")
    _table("Errata (specs/ERRATA.md)", "id|title", ((e.id, e.title) for e in c.errata))


@app.command("codes")
def codes(
    code: Annotated[str, typer.Argument(metavar="CODE", help="a code, e.g. 10047 or 1155")],
    specs: SpecsDir = None,
) -> None:
    """What a code means, in every API and place it appears."""
    found = _contract(specs).codes.find(code)
    if not found:
        raise UsageError(f"code {code} is not in specs/codes.yaml")
    for c in found:
        out.print(c.describe(), markup=False)


# --- call ----------------------------------------------------------------------------------
CallTimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout",
        help="seconds the whole request may take (connect, send, wait, read); past it: one line, "
        "exit 2",
    ),
]
CallEngineOpt = Annotated[
    str,
    typer.Option(
        "--engine",
        help="face engine of the embedded emulator: dlib (real, biometric) or fast (not biometric)",
    ),
]


def _run_call(
    target: str,
    config: Path | None,
    call: Callable[[Any], BaseModel],
    timeout: float,
    engine: str | None = None,
    *,
    jd: bool = False,
) -> None:
    """``call`` with a client of the internal API (``jd``: of JD). The emulator's face engine is
    said on stderr, so nobody reads a score of the non-biometric engine as a verdict on faces."""
    from harness.clients import ApiError, client_for, load_credentials
    from harness.commands._options import positive_seconds
    from harness.redact import model_field_names, redact
    from harness.target import check_engine, open_target

    positive_seconds(timeout)
    check_engine(engine)
    with open_target(target, engine=engine or "fast") as t:
        creds = load_credentials(config, demo_defaults=t.is_emulator)
        client: Any = client_for("jd" if jd else "match", t.url, creds, timeout=timeout)
        refused = None
        try:
            with client:
                model = call(client)
            # a service that echoes the credentials back does not put them on a terminal or a log;
            # redacted as data, so a one-letter secret cannot break the JSON or rename a key
            answer = model.model_dump(mode="json", exclude_none=True)
            names = model_field_names(type(model))
            out.print_json(data=redact(answer, creds.secrets(), field_names=names))
        except ApiError as exc:
            m, refused = exc.meaning, exc
            en, zh = (m.en, m.zh) if m else ("not in the code table", "?")
            err.print(f"{exc.code}: {en} ({zh}); category {exc.category}", markup=False)
        if t.is_emulator and engine:
            biometric = " (not biometric)" if engine == "fast" else ""
            err.print(f"answered by the embedded emulator, face engine {engine}{biometric}")
        if refused is not None:
            raise typer.Exit(1)


@call_app.command("match")
def call_match(
    image: Annotated[Path, path_option("--image", "reference photo (jpg/png)")],
    face: Annotated[Path, path_option("--face", "photo or mp4 video to compare")],
    video: Annotated[bool, typer.Option(help="FACE is a video")] = False,
    lip: Annotated[bool, typer.Option(help="LIP video mode (fetches a liveCode first)")] = False,
    target: Target = "emulator",
    config: Config = None,
    timeout: CallTimeoutOpt = 30.0,
    engine: CallEngineOpt = "dlib",
) -> None:
    """POST /tech/ai/face/match with two local files."""

    def call(client: FaceMatchClient) -> BaseModel:
        mode = ("LIP" if lip else "SILENT") if video else None
        code = client.live_code() if lip else None
        return client.match(
            image, face, face_type="video" if video else "image", video_type=mode, live_code=code
        )

    _run_call(target, config, call, timeout, engine)


@call_app.command("idno")
def call_idno(
    id_num: Annotated[str, typer.Option("--id-num", help="ID number (18 characters) to look up")],
    name: Annotated[str, typer.Option(help="name registered with that ID number")],
    face: Annotated[Path, path_option("--face", "photo to compare with the registry photo")],
    target: Target = "emulator",
    config: Config = None,
    timeout: CallTimeoutOpt = 30.0,
    engine: CallEngineOpt = "dlib",
) -> None:
    """POST /tech/ai/face/match/idno: a photo against the registry photo of an ID number."""

    def idno(client: Any) -> BaseModel:
        # /idno marks liveCode and videoType 是 (E-008): a code issued a moment before and
        # SILENT, valid under every reading
        code = client.live_code()
        return client.idno(id_num, name, face, video_type="SILENT", live_code=code)  # type: ignore[no-any-return]

    _run_call(target, config, idno, timeout, engine)


@call_app.command("livecode")
def call_livecode(
    target: Target = "emulator", config: Config = None, timeout: CallTimeoutOpt = 30.0
) -> None:
    """POST /tech/ai/face/match/validateData: get a digit code for a LIP video."""
    from harness.contract import LiveCodeResult

    _run_call(target, config, lambda client: LiveCodeResult(code=client.live_code()), timeout)


@call_app.command("jd")
def call_jd(
    compare: Annotated[Path, path_option("--compare", "base image (compareImageItem)")],
    collection: Annotated[
        list[Path], path_option("--collection", "image(s) to compare with it; repeatable")
    ],
    as_array: Annotated[
        bool, typer.Option("--as-array", help="send imgArr instead of imgBase64")
    ] = False,
    target: Target = "emulator",
    config: Config = None,
    timeout: CallTimeoutOpt = 30.0,
    engine: CallEngineOpt = "dlib",
) -> None:
    """POST /jdai/faceCompareNew, freshly signed."""

    def call(client: JdFaceCompareClient) -> BaseModel:
        return client.compare(compare, collection, as_array=as_array)

    _run_call(target, config, call, timeout, engine, jd=True)


# --- emulate -------------------------------------------------------------------------------
@app.command("emulate")
def emulate(
    host: Annotated[str, typer.Option(help="loopback address to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port (0: any free port)")] = 8000,
    engine: Annotated[
        str | None,
        typer.Option(
            help="dlib (real face engine) or fast (not biometric) (default: the config's engine, "
            "else dlib)"
        ),
    ] = None,
    qps: Annotated[
        float | None,
        typer.Option(
            help="per token/appkey QPS limit; 0: off (default: the config's throttle.qps, else off)"
        ),
    ] = None,
    latency: Annotated[
        list[str] | None,
        typer.Option(
            help="added latency, e.g. fixed:50ms or faceCompareNew=lognormal:40ms,0.4; repeatable "
            "(default: none)"
        ),
    ] = None,
    fault: Annotated[
        list[str] | None,
        typer.Option(
            help="fault by rate, e.g. http500:0.1 or match=reset:0.05; repeatable (default: none)"
        ),
    ] = None,
    break_: Annotated[
        list[str] | None,
        typer.Option("--break", help="violate one documented rule; see --list-breaks"),
    ] = None,
    config: Annotated[
        Path | None, path_option("--config", "emulator TOML config (README: Emulator config)")
    ] = None,
    list_breaks: Annotated[
        bool, typer.Option("--list-breaks", help="list break modes and exit")
    ] = False,
    reading: Annotated[
        list[str] | None,
        typer.Option(
            "--reading",
            help="serve another reading of an ambiguous sentence, e.g. E-011=alternative "
            "(specs/readings.yaml; config: [readings])",
        ),
    ] = None,
) -> None:
    """Serve both APIs as the documents describe (or break them on purpose)."""
    from harness.emulator import (
        BREAKS,
        build_settings,
        check_bind_host,
        create_app,
        parse_latency,
        parse_readings_option,
        serve_forever,
    )

    if list_breaks:
        return _table("Break modes", "name|api|rule it violates", BREAKS.values())
    check_bind_host(host)
    ops = [(parse_latency(spec)[0], spec) for spec in latency or ()]  # checks each spec
    lat = {op or "default": spec.rpartition("=")[2] if op else spec for op, spec in ops} or None
    settings = build_settings(
        config,
        engine=engine,
        latency=lat,
        faults=tuple(fault or ()),
        breaks=tuple(break_ or ()),
        readings=parse_readings_option(reading),
        throttle=None if qps is None else {"qps": qps},
    )
    stopped = serve_forever(
        lambda: create_app(settings),
        host=host,
        port=port,
        announce=lambda url: err.print(
            f"faceharness emulator on {url} (engine {settings.engine}); Ctrl-C stops it"
        ),
    )
    interrupt.report(f"faceharness: emulator stopped ({stopped or 'server ended'})")  # the one line
    raise typer.Exit(130 if stopped else 2)


for _command in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
    if not _command.name.startswith("_"):  # harness/commands: one module per capability command
        importlib.import_module(f"{commands.__name__}.{_command.name}").register(app)
add_exit_codes(app)


def _help_to_a_reader_that_left(exc: SystemExit) -> bool:
    """Whether click turned a BrokenPipeError of its help (or our version line) into exit 1:
    `faceharness --help | head -1` is help shown, exit 0 (review of session 28)."""
    import errno
    import traceback

    cause = exc.__context__
    if not isinstance(cause, OSError) or cause.errno != errno.EPIPE:
        return False
    frames = {frame.name for frame in traceback.extract_tb(cause.__traceback__)}
    return not frames.isdisjoint({"show_help", "_version"})


def main(
    application: typer.Typer = app, name: str = "faceharness", prog: str | None = "faceharness"
) -> None:
    """Entry point (also `python -m harness.demo`'s, as ``name``): every HarnessError becomes one
    line on stderr and exit 2, never a traceback."""

    standard_streams()

    def _fail(message: str) -> NoReturn:
        write_line(f"{name}: {' '.join(message.split())}")
        sys.exit(2)

    def _interrupted() -> NoReturn:
        """A stop before the command had anything to write (or outside a suite): one line."""
        if not interrupt.reported():
            interrupt.report(f"{name}: interrupted after {interrupt.stopped_after_s():.0f} s")
        sys.exit(interrupt.EXIT_INTERRUPTED)

    try:
        with interrupt.signals():
            # click returns typer.Exit's code instead of raising it
            code = application(prog_name=prog, standalone_mode=False)
    except HarnessError as exc:
        _fail(str(exc))
    except typer.Exit as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):  # typer: a Ctrl-C as a silent Exit(130)
            _interrupted()
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        _interrupted()
    except SystemExit as exc:
        if _help_to_a_reader_that_left(exc):
            reader_left(sys.stdout)
            sys.exit(0)
        raise
    except Exception as exc:  # click usage errors and anything unforeseen: one line, exit 2
        if type(exc).__name__ == "NoArgsIsHelpError":  # `faceharness load`: the help, as laid out
            write_line(exc.format_message())  # type: ignore[attr-defined]
            sys.exit(2)
        if hasattr(exc, "format_message"):  # click's (or typer's vendored click's) usage errors
            _fail(exc.format_message())
        if os.environ.get("FACEHARNESS_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc}")
    if code == interrupt.EXIT_INTERRUPTED and not interrupt.reported():  # typer's silent Ctrl-C
        _interrupted()
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
