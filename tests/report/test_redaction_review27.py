"""What the review of session 27 found the redactor let through or masked too much."""

from __future__ import annotations

import base64
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


def test_a_sign_as_its_raw_bytes_encoded_or_cut_by_a_digit_is_masked() -> None:
    """Review of session 27: a sign as base64 or base32 of its raw 16 bytes, or missing its first
    or last hex digit, passed; a run of 15 of its digits is no sign and is kept (16, a half of
    it, are masked: session 29)."""
    sign = hashlib.md5(b"review 27: raw and cut sign").hexdigest()
    remember_sign(sign)
    raw = bytes.fromhex(sign)
    forms = [
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        base64.b32encode(raw).decode(),
        base64.b32encode(raw).decode().lower().rstrip("="),
        sign[1:],
        sign[:-1].upper(),
    ]
    for form in forms:
        assert redact_text(f"bad sign {form} given") == f"bad sign {MASK} given", form
    assert redact_text(f"id {sign[:15]} kept") == f"id {sign[:15]} kept"


def test_a_secret_in_octal_and_css_escapes_mixed_is_masked_and_text_kept() -> None:
    """Review of session 27: a secret whose characters alternate C octal escapes and CSS ones
    read as neither reading alone; the text around it is kept."""
    secret = "s3cretTokenValue42"
    mixed = "".join(f"\\{ord(c):x} " if i % 2 else f"\\{ord(c):o}" for i, c in enumerate(secret))
    assert redact_text(f"rejected {mixed}| end", [secret]) == f"rejected {MASK}| end"
    sign = hashlib.md5(b"review 27: mixed sign").hexdigest()
    remember_sign(sign)
    mixed = "".join(f"\\{ord(c):x} " if i % 2 else f"\\{ord(c):o}" for i, c in enumerate(sign))
    assert MASK in redact_text(f"bad sign {mixed} given")
    kept = "regex \\41 and \\73 and \\163 matched"
    assert redact_text(kept, [secret]) == kept


def test_a_credential_cut_short_at_either_end_is_masked_as_a_word() -> None:
    """Review of session 27: a token or appkey minus its last character (or its first) passed.
    A cut covering max(8, len - 4) characters of it, standing as a word, is masked (session 29:
    or half of it, from 10 characters, when it reads as a key); a shorter one, or one inside a
    longer word, is kept."""
    secret = "s3cretTokenValue42"
    for cut in (secret[:-1], secret[:-4], secret[1:], secret[4:], secret[:10], secret[8:]):
        assert redact_text(f"token {cut}... rejected", [secret]) == f"token {MASK}... rejected"
    for kept in (secret[:9], secret[9:], "x" + secret[:-1] + "x", "demo-token 12345678"):
        assert redact_text(f"token {kept} ok", [secret]) == f"token {kept} ok"
