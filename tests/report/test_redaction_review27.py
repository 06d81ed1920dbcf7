"""What the review of session 27 found the redactor let through or masked too much."""

from __future__ import annotations

import functools
import hashlib

from harness.contract import jd_sign
from harness.redact import MASK, redact, redact_text, remember_sign, remember_signer

_KEY = "review27-handout-secretkey"


def test_a_sign_handed_out_for_another_timestamp_is_masked_wherever_it_shows() -> None:
    """A JD refusal quoting the right sign for the server's own time (``server time T, expected
    sign MD5(secretkey+T)``) carries a sign no request did: it reached summary.json, findings,
    report.html and replay files. Masked in the text naming T, in an object naming T in another
    field (a JSON number), and remembered for a later text that names no T."""
    remember_signer(_KEY, functools.partial(jd_sign, _KEY))
    stamp, other = "1765100000007", "1765100000008"
    message = f"sign mismatch; server time {stamp}, expected sign {jd_sign(_KEY, stamp)}"
    assert redact_text(message) == f"sign mismatch; server time {stamp}, expected sign {MASK}"
    sign = jd_sign(_KEY, other)
    answer = {"result": {"serverTime": int(other), "msg": f"expected {sign.upper()} here"}}
    assert redact(answer) == {"result": {"serverTime": int(other), "msg": f"expected {MASK} here"}}
    assert redact_text(f"retry with {sign}") == f"retry with {MASK}"
    # ordinary text beside a number: a hex id, a digest of something else, a uuid are kept
    kept = (
        f"at {stamp}: trace {hashlib.md5(b'trace').hexdigest()} "
        "uuid 123e4567-e89b-12d3-a456-426614174000 code 1001 sha1 " + hashlib.sha1(b"x").hexdigest()
    )
    assert redact_text(kept) == kept


def test_a_plain_sign_beside_an_escape_both_readings_decode_masks_only_the_sign() -> None:
    """``\\41`` reads as "!" in C's octal and as "A" in CSS: both readings "found" the plain sign
    beside it, and the whole message was masked (a regression of session 27); the plain sign is
    masked first, and a reading counts only for what it finds anew."""
    sign = hashlib.md5(b"review 27: a plain sign beside an escape").hexdigest()
    remember_sign(sign)
    errmsg = f"regex \\41 matched; sign {sign} rejected; context"
    assert redact({"errmsg": errmsg}) == {"errmsg": errmsg.replace(sign, MASK)}
    secret = "plainSecretBeside41"
    text = f"path C:\\41\\ holds {secret}, then {secret} again"
    assert redact_text(text, [secret]) == "path C:\\41\\ holds ***, then *** again"
