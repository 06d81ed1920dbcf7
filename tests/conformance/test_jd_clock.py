"""E-019 and the service's clock (session 23): the JD window's near cases (5 min 45 s outside,
FH-A07/FH-A08; 270 s inside, FH-A14) are timed on the service's clock when two witnesses agree on
it (result.timestamp with our clock, or with the HTTP Date header), and a probe that cannot tell
a narrow window on one clock from a correct one on another says so (``unjudged``: the run is
inconclusive), never passes silently.

The services here are the conformance emulator behind the middleware of
tests/fixtures/mutant_jd.py, with a window kept on a clock ``skew`` ahead of ours and, when its
clock is consistent, a Date header on that clock too (uvicorn's own is switched off).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email.utils import formatdate
from typing import Any

import pytest
from fixtures.mutant_jd import (
    SECRET,
    WINDOW_MS,
    Defect,
    _now_ms,
    _result,
    _signed_right,
    _stamp,
    _window_one_minute,
    mutant,
)
from fixtures.same_photo import same_photos

from harness.clients._clock import ServiceClock
from harness.conformance._emulator import emulator_settings
from harness.contract import jd_sign
from harness.emulator import EmulatorServer, build_settings, create_app

from .conftest import probe_session, run_probes_alone


def _window(skew_ms: int, accepts: Callable[[int], bool]) -> Callable[[Any], None]:
    """A window on a clock ``skew_ms`` ahead of ours: a signed timestamp whose age there
    ``accepts`` is let through, any other refused 10045 (moved an hour out, signed again)."""

    def rewrite(x: Any) -> None:
        ts = _stamp(x)
        if ts is None or not _signed_right(x):
            return
        age = _now_ms() + skew_ms - ts
        stamp = _now_ms() if accepts(age) else ts + (-3_600_000 if age > 0 else 3_600_000)
        x.query["timestamp"] = str(stamp)
        x.query["sign"] = jd_sign(SECRET, str(stamp))

    return rewrite


def _stamped(skew_ms: int) -> Callable[[Any], None]:
    def answer(x: Any) -> None:
        result = _result(x)
        if result is not None and isinstance(result.get("timestamp"), int):
            result["timestamp"] += skew_ms

    return answer


def _imf(seconds: float) -> str | None:
    return formatdate(seconds, usegmt=True)


def _asctime(seconds: float) -> str | None:
    """RFC 9110's obsolete asctime-date (no zone: UTC), which a recipient MUST accept."""
    return time.strftime("%a %b %e %H:%M:%S %Y", time.gmtime(seconds))


def _dated(app: Any, skew_ms: int, form: Callable[[float], str | None] = _imf) -> Any:
    """``app`` answering with a Date header ``skew_ms`` ahead of ours (RFC 9110's origin clock)
    in ``form`` (None: no Date at all)."""

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        async def dated(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                date = form(time.time() + skew_ms / 1000)
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"date"]
                dates = [] if date is None else [(b"date", date.encode())]
                message = {**message, "headers": [*headers, *dates]}
            await send(message)

        await app(scope, receive, dated)

    return wrapped


@contextmanager
def _service(
    defect: Defect, date_skew_ms: int = 0, form: Callable[[float], str | None] = _imf
) -> Iterator[str]:
    """The conformance emulator with ``defect``, its Date header ``date_skew_ms`` ahead."""
    app = same_photos(create_app(build_settings(engine="fast", **emulator_settings())))
    server = EmulatorServer(_dated(mutant(app, defect), date_skew_ms, form))
    server.server.config.date_header = False  # the Date is the wrapper's alone
    with server as url:
        yield url


def _correct(skew: int) -> Defect:
    return Defect("clock", "", _window(skew, lambda age: abs(age) <= WINDOW_MS), _stamped(skew))


def _whole_minutes(skew: int) -> Defect:
    """``abs(now - ts) / 60000 > 5`` on its clock: up to 5 min 59.999 s either way passes."""
    return Defect("minutes", "", _window(skew, lambda age: abs(age) // 60_000 <= 5), _stamped(skew))


def _narrow(skew: int) -> Defect:
    """A window of a minute in the past (5 minutes ahead) on its clock."""
    window = _window(skew, lambda age: -WINDOW_MS <= age <= 60_000)
    return Defect("narrow", "", window, _stamped(skew))


def _probe(url: str, contract: Any, rule_ids: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(failures, what could not be judged) of the probes run alone in one session."""
    with probe_session(contract, "jd", url) as session:
        return run_probes_alone(session, rule_ids)


WINDOW_PROBES = ("FH-A07", "FH-A08", "FH-A14")


@pytest.mark.parametrize("skew", [-50_000, 200_000], ids=["50s-behind", "200s-ahead"])
def test_a_correct_service_on_a_skewed_clock_passes_the_window_probes_judged(contract, skew):
    """Its result.timestamp and Date agree: the near cases go on its clock and judge it (before,
    a clock more than 10 s off ours got no 5 min 45 s cases, and 200 s ahead FH-A08's 6 minutes
    ahead on our clock arrived 160 s ahead on its clock, accepted: a false FH-A08)."""
    with _service(_correct(skew), date_skew_ms=skew) as url:
        found, unjudged = _probe(url, contract, WINDOW_PROBES)
    assert found == [] and unjudged == [], (found, unjudged)


@pytest.mark.parametrize(
    ("date_skew", "form"),
    [(0, lambda _: None), (0, _imf), (120_000, _asctime)],
    ids=["no-date", "date-on-our-clock", "asctime-date-on-its-clock"],
)
def test_a_correct_service_two_minutes_off_with_no_date_agreeing_is_no_finding(
    contract, date_skew, form
):
    """Review of session 23: a correct service whose clock (and result.timestamp) is 2 min ahead,
    with no Date header, a proxy's Date on our clock, or an asctime Date (which ``_clock`` did not
    read): no clock trusted, FH-A08's 6 minutes ahead went on our clock alone, landed 4 min ahead
    on its clock, was accepted: a false high finding. Now the 6-minute cases go on each plausible
    clock, a finding only when misjudged on all (an asctime Date on its clock is read and agrees:
    judged, nothing left unjudged)."""
    with _service(_correct(120_000), date_skew_ms=date_skew, form=form) as url:
        found, unjudged = _probe(url, contract, ("FH-A07", "FH-A08"))
    assert found == [], found
    if form is _asctime:
        assert unjudged == [], unjudged
    else:
        assert any(u.startswith("FH-A08: ") for u in unjudged), unjudged


@pytest.mark.parametrize(
    ("defect", "skew", "rule_ids"),
    [
        (_whole_minutes, 50_000, ("FH-A07", "FH-A08")),
        (_narrow, 100_000, ("FH-A14",)),
    ],
    ids=["whole-minutes-50s-ahead", "one-minute-100s-ahead"],
)
def test_a_defective_window_on_a_skewed_clock_is_caught(contract, defect, skew, rule_ids):
    """A window counted in whole minutes on a clock 50 s off ours takes 5 min 45 s for 5 minutes:
    the near cases go on its clock (its result.timestamp and Date agree), so FH-A07 and FH-A08
    catch it (before: not sent at that offset, nothing caught)."""
    with _service(defect(skew), date_skew_ms=skew) as url:
        found, _ = _probe(url, contract, rule_ids)
    for rule_id in rule_ids:
        assert any(f.startswith(f"{rule_id}: ") for f in found), found


@pytest.mark.parametrize(
    ("checker", "accepts", "judged"),
    [
        (55_000, lambda age: abs(age) <= WINDOW_MS, True),  # on result.timestamp's clock
        (0, lambda age: 0 <= age <= WINDOW_MS, True),  # past-only (E-019) on ours and the Date's
        (55_000, lambda age: -WINDOW_MS <= age <= 60_000, False),  # a minute, on the stamp's
    ],
    ids=["correct-on-stamp", "past-only-on-ours", "narrow-on-stamp"],
)
def test_a_stamp_55_s_off_ours_and_the_date_is_judged_by_one_case_for_every_clock(
    contract, checker, accepts, judged
):
    """Session 24: result.timestamp 55 s ahead, ours and the Date agreeing: no clock trusted, so
    FH-A14's 270 s case went on each clock and a correct window read inconclusive (refused on
    one clock, taken on the other). The clocks lie within a minute of each other: one case 270 s
    before the latest is 215-270 s old on each, within the window on whichever checks it, and a
    window of a minute refuses it on any of them."""
    defect = Defect("stamp-55", "", _window(checker, accepts), _stamped(55_000))
    with _service(defect) as url:
        found, unjudged = _probe(url, contract, ("FH-A14",))
    assert unjudged == [], unjudged
    assert bool(found) is not judged, found


@pytest.mark.parametrize("ahead", [210_000, 290_000])
def test_a_narrow_window_under_a_result_timestamp_ahead_is_never_passed_silently(contract, ahead):
    """A one-minute window on the real clock whose result.timestamp runs 210-290 s ahead (its
    Date header on the real clock): the 270 s case timed on result.timestamp arrived 30 s old or
    less and was accepted, a silent pass. Now the two witnesses disagree: FH-A14 sends it on each
    clock and, refused on ours and accepted on result.timestamp's, says it could not judge; and
    FH-A07's near case (E-082: on both clocks) is refused on both at 210 s (judged, no finding),
    accepted on result.timestamp's at 290 s (55 s old on the real clock): not judged, said so."""
    defect = Defect("narrow-stamped", "", _window_one_minute, _stamped(ahead))
    with _service(defect) as url:
        found, unjudged = _probe(url, contract, ("FH-A07", "FH-A14"))
    assert found or any(u.startswith("FH-A14: ") for u in unjudged), (found, unjudged)
    assert not [f for f in found if f.startswith("FH-A07: ")], found
    said = any(u.startswith("FH-A07: ") and "disagree" in u for u in unjudged)
    assert said == (ahead > 285_000), unjudged


def test_what_a_probe_could_not_judge_makes_a_pass_inconclusive():
    """The run's status reads ``ApiRun.probes_unjudged`` (a whole conform run is ~7 s: the
    wiring is this function's one caller in ``run_conformance``)."""
    from harness.conformance._run import _unjudged
    from harness.results import ApiRun

    assert _unjudged({"jd": ApiRun(), "match": ApiRun()}) is None
    runs = {"jd": ApiRun(probes_unjudged={"FH-A14": "refused on our clock: they disagree"})}
    reason, when = _unjudged(runs) or ("", "")
    assert "FH-A14: refused on our clock" in reason and "Date header" in when


@pytest.mark.parametrize(
    ("stamp", "date", "trusted"),
    [
        (5_000, None, 5_000),  # result.timestamp near ours
        (120_000, 121_000, 120_000),  # far, confirmed by Date
        (120_000, 0, None),  # far, Date says ours
        (120_000, None, None),  # far, nothing confirms it
        (400_000, 400_000, None),  # confirmed, but our valid requests would have been refused
        (None, 1_000, 0),  # no result.timestamp (optional): a Date on ours makes ours trusted
        (None, 120_000, None),  # no result.timestamp, Date far off ours
        (None, None, None),  # nothing shows the service's clock
    ],
)
def test_the_service_clock_is_trusted_when_two_witnesses_agree(contract, stamp, date, trusted):
    from harness.contract import read_answer

    result = {"code": 0, "msg": "success", "serialNo": "s-1"}
    if stamp is not None:
        result["timestamp"] = 1_800_000_000_000 + stamp
    body = {"code": "10000", "msg": "m", "remainTimes": 7, "result": result}
    answer = read_answer(contract, "jd", 200, body)
    headers = {} if date is None else {"Date": formatdate(1_800_000_000 + date / 1000, usegmt=True)}
    clock = ServiceClock()
    clock.observe(answer, 1_800_000_000_000 - 10, 1_800_000_000_000 + 10, headers)
    got = clock.trusted_offset()
    assert (got is None) if trusted is None else abs(got - trusted) <= 1, (got, trusted)
    if trusted is None:
        assert clock.why_untrusted()
    clock.observe(answer, 0, 10, {"date": "not a date"})  # a garbled Date changes nothing


@pytest.mark.parametrize(
    "date",
    [
        "Fri, 15 Jan 2027 08:00:00 GMT",
        "Friday, 15-Jan-27 08:00:00 GMT",
        "Fri Jan 15 08:00:00 2027",
        "Fri, 15 Jan 2027 08:00:00 -0000",
    ],
    ids=["imf", "rfc850", "asctime", "minus-zero"],
)
def test_the_date_header_is_read_in_every_http_date_form(date):
    """RFC 9110 5.6.7: a recipient MUST accept all three forms; ``_clock`` had its own parser
    that dropped asctime and ``-0000`` (now ``_request._date_s``, the one reader)."""
    sent = 1_800_000_000_000 + 500  # 2027-01-15T08:00:00Z, the middle of its second
    clock = ServiceClock()
    clock.observe(None, sent - 10, sent + 10, {"Date": date})
    assert clock.date_offset_ms == 0, (date, clock.date_offset_ms)
