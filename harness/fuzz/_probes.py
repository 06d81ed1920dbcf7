"""The rule book's probes that fuzz runs as they are: what one generated request cannot show (a
comparison set against the same one alone, a forged liveCode, a burst of requests in flight
together, a field value only a live target's reading allows) is judged by the probe's own verdict
(``harness.conformance.RULES``), never a copy of it.

Each probe runs on a conformance :class:`~harness.conformance._session.Session` whose sender is
the fuzz run's client: one pace, one request budget, one count of operations and codes.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from harness.clients import Credentials, Exchange, Request
from harness.conformance import RULES, CheckFailed
from harness.conformance._payloads import PayloadPool, to_refs
from harness.conformance._probes import ProbeContext
from harness.conformance._session import Session
from harness.conformance._tracker import RunTracker
from harness.conformance._transport import NoAnswer
from harness.contract import Contract, ReadingLog

from ._checks import Problem
from ._client import FuzzClient

# the probes whose cases fuzz's generation does not send (session 19's list): the score and
# verdict of a collection of two (FH-L44), a progressive JPEG (FH-L33), answers crossed in a
# burst (FH-L18, FH-L29), /idno's image field and unknown identities (FH-L10), a forged liveCode
# (FH-L13), optional fields a live target must answer (FH-L15, FH-L19), /idno's faceData enforced
# (FH-L30), an ID number's lowercase x and a long name answered (FH-L41); round 10's: a LIP
# video over 400k (FH-L16), /idno's vip and inner LIP videos without a code (FH-L22), a signed
# timestamp in seconds, microseconds or nanoseconds (FH-A13), a compareImageItem sent as a List
# (FH-L34); round 11's: both parts of /match within 400k at once (FH-L20); session 22's review:
# an imgArr in both ranges (FH-A20: a live target's valid requests carry imgBase64, E-078);
# round 12's: an extData holding an object and a list (FH-L31), a LIP video with async true and a
# fresh liveCode (FH-L43); round 13's: a right sign whose MD5 begins with 0, and that sign
# without its zeros or with one more (FH-A21); session 25's: a liveCode issued with a leading 0
# (FH-A23: codes drawn until one begins with 0, about ten; a replay draws longer, ``replaying``);
# round 17's: /match with a charset or its media type in capitals (FH-L35) and /idno's name as \u
# escapes (FH-L36), conformance's alone before (convention findings, as JD's FH-L40); round 18's:
# a request table's rows on the async, inner and vip branches (FH-L14) and the token on /idno's
# inner and vip branches and with extData (FH-A17: fuzz's bad-token /idno names an identity a live
# target's registry refuses before the token matters)
PROBES = {
    "match": (
        "FH-L10",
        "FH-L13",
        "FH-L15",
        "FH-L16",
        "FH-L19",
        "FH-L20",
        "FH-L22",
        "FH-L29",
        "FH-L30",
        "FH-L31",
        "FH-L41",
        "FH-L43",
        "FH-L35",
        "FH-L36",
        "FH-L14",
        "FH-A17",
        "FH-A23",  # last, as in conformance (``_probes.LAST``)
    ),
    "jd": (
        "FH-A13",
        "FH-A20",
        "FH-A21",
        "FH-L18",
        "FH-L33",
        "FH-L34",
        "FH-L44",
        "FH-J24",
        "FH-J25",  # session 26: a refusal handing out the secretkey or the right sign
        "FH-L40",  # session 26: ``Application/JSON`` or a charset parameter refused
    ),
}
PROBES_PROPERTY = ":rule-probes"  # the property that runs them (its replay runs them again)
PROBE_STEP = "the rule book's probe"  # a finding's one step: "the rule book's probe FH-L44"


_POOLS: dict[tuple[int, Path | None], PayloadPool] = {}


def _pool(contract: Contract, faces_dir: Path | None) -> PayloadPool:
    """Made once per contract and faces directory (its videos take a moment to film)."""
    key = (id(contract), faces_dir)
    if key not in _POOLS:
        _POOLS.clear()  # one run's at a time
        _POOLS[key] = PayloadPool(contract, faces_dir)
    return _POOLS[key]


def probe_session(
    client: FuzzClient,
    api: str,
    *,
    credentials: Credentials,
    is_emulator: bool,
    faces_dir: Path | None = None,
    readings: ReadingLog | None = None,
) -> Session:
    """A probe phase's session over ``client`` (its sender, budget and counts)."""
    session = Session(
        contract=client.contract,
        api=api,
        creds=credentials,
        tracker=RunTracker(budget=client.budget),
        pool=_pool(client.contract, faces_dir),
        is_emulator=is_emulator,
        target=client.base_url,
        identity=None,
        raw_schema={},
        timeout_s=client.timeout_s,
        readings=readings if readings is not None else ReadingLog(),
    )
    session.sender.close()
    session.sender = client
    return session


Failed = tuple[Problem, Request, Exchange | None]


def run_probe(
    session: Session,
    rule_id: str,
    *,
    may_burst: bool,
    burst: int | None = None,
    untried: list[str] | None = None,
    unjudged: dict[str, list[str]] | None = None,
    replaying: bool = False,
) -> list[Failed]:
    """The probe's verdict first (its own violation, or its request without an answer), then the
    answer rules' on the answers it got, as conformance's probe phase records them; images in
    the requests by reference (their pool name and sha256). ``burst``: a replay's, as its run
    sent it; ``untried`` gets the probe's id when the pace let it send no burst, ``unjudged``
    what the probe could not judge under its id (a replay's inconclusive); ``replaying``: a
    replay's run (FH-A23 draws longer for its case, and is not judged without it)."""
    ctx = ProbeContext(session, may_burst=may_burst, replay_burst=burst, replaying=replaying)
    own: list[CheckFailed] = []
    try:
        RULES.get(rule_id).fn(ctx)
    except CheckFailed as verdict:  # one defect, one finding: the probe's owns its answer
        ctx.failures = [f for f in ctx.failures if f not in ctx.last_http_failures]
        own.append(verdict)
    except NoAnswer as unanswered:
        own.append(unanswered.raw)
    if ctx.paced_out and untried is not None:
        untried.append(rule_id)
    if ctx.unjudged and unjudged is not None:
        unjudged[rule_id] = list(ctx.unjudged)
    out: list[Failed] = []
    for failed in own + ctx.failures:
        request = failed.request if isinstance(failed.request, Request) else ctx.last_request
        if request is None:
            continue
        shown = ctx.last_response if request is ctx.last_request else None
        entry = RULES.get(failed.rule_id) if failed.rule_id in RULES else None
        basis = failed.basis or (entry.basis if entry else "seed")
        message = failed.message.replace("\n", "; ")
        problem = Problem(
            failed.check, failed.level, message, failed.erratum, basis=basis, rule=failed.rule_id
        )
        out.append((problem, replace(request, json=to_refs(request.json, session.pool)), shown))
    return out
