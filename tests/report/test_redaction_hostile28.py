"""What the hostile audit of session 28 found the redactor let through (or took minutes on)."""

from __future__ import annotations

import base64
import hashlib

import pytest
from fixtures.hostile_target import _JPEG

from harness.redact import MASK, redact_text, remember_sign

_TOKEN = "tok-hostile28-5e1f0a"
_SIGN = hashlib.md5(b"session 28: a sign echoed in new wrappings").hexdigest()
_RAW = bytes.fromhex(_SIGN)
_0X_TOKEN = " ".join(f"0x{b:02x}" for b in _TOKEN.encode())


@pytest.mark.parametrize(
    ("echoed", "left"),
    [
        (f"begins {_SIGN[:16]} and ends {_SIGN[16:]}", "begins *** and ends ***"),
        (f"reversed {base64.b64encode(_RAW).decode()[::-1]}", "reversed ==***"),
        ("".join(f"\\U{ord(c):08x}" for c in _TOKEN), MASK),
        ("".join(f"\\\\u{{{ord(c):x}}}" for c in _TOKEN), MASK),
        ("[" + ", ".join(f"0x{b:02x}" for b in _TOKEN.encode()) + "]", f"[{MASK}]"),
        (" ".join(f"0x{b:02X}" for b in _SIGN.encode()), MASK),
        (base64.b85encode(_TOKEN.encode()).decode(), MASK),
        ("<~" + base64.a85encode(_TOKEN.encode()).decode() + "~>", f"<~{MASK}~>"),
        # review: the sign's raw digest as bytes, its halves and words with C's 0x
        (", ".join(f"0x{b:02x}" for b in _RAW), MASK),
        ("".join(f"\\x{b:02x}" for b in _RAW), MASK),
        (str([b - 256 if b > 127 else b for b in _RAW]), MASK),
        (str(list(_RAW)), MASK),
        (f"0x{_SIGN[:16]}, 0X{_SIGN[16:].upper()}", f"{MASK}, {MASK}"),
        (" ".join(f"0x{_SIGN[i : i + 8]}" for i in range(0, 32, 8)), MASK),
        # ... and no over-masking: values beside a token kept as sent; two spellings, each masked
        (
            f"regs 0x41 0x42 0x43 0x44 0x45 at fault; token {_0X_TOKEN}",
            f"regs 0x41 0x42 0x43 0x44 0x45 at fault; token {MASK}",
        ),
        (
            f"图片无效 {_0X_TOKEN} and " + "".join(f"\\u{{{ord(c):x}}}" for c in _TOKEN),
            f"图片无效 {MASK} and {MASK}",
        ),
    ],
    ids=[
        *("sign-halves", "raw-b64-reversed", "U8", "u-braces", "0x-list", "0x-sign", "b85", "a85"),
        *("raw-0x", "raw-x-escapes", "raw-java-signed", "raw-unsigned", "0x-halves", "0x-words"),
        *("0x-beside-values", "0x-and-u-braces"),
    ],
)
def test_a_credential_in_the_wrappings_of_session_28_is_masked(echoed: str, left: str) -> None:
    """Hostile session 28 (echo_halves_text, echo_brace_escapes, echo_0x_bytes, echo_base85): a
    JD refusal quoting these reached the one-line "credentials rejected" error and the reports."""
    remember_sign(_SIGN)
    assert redact_text(f"rejected {echoed}; retry", [_TOKEN]) == f"rejected {left}; retry"


def test_text_like_those_wrappings_is_kept() -> None:
    """No over-masking: hex words, byte values, escapes and separators of ordinary text."""
    remember_sign(_SIGN)
    normal = (
        "error 0x1f at 0x20, 0x21 0x22 0x23; hash 0123456789abcdef; a,b;c|d \\u{1F600} "
        "\\U0001F600 " + base64.b85encode(b"other text").decode()
    )
    assert redact_text(normal, [_TOKEN]) == normal


@pytest.mark.parametrize(
    ("word", "separator"),
    [
        ("", ","),
        ("", ";"),
        ("serial=abcdefABCDEF0123456789|", "|"),
        ("traceNo 20261207160000123456789, ", ","),
        ("id 0123456789abcdef, ", " "),
    ],
)
def test_an_images_base64_in_pieces_joined_by_a_separator_is_its_placeholder(
    word: str, separator: str
) -> None:
    """Hostile session 28 (image_separated): a refusal quoting the request's image as 76-character
    pieces joined by ``,``, ``;`` or ``|`` reached findings whole. Its review: after a word of 16
    characters and ``, `` or ``|`` (that word then began the run), the image leaked whole."""
    text = base64.b64encode(_JPEG).decode()
    joined = separator.join(text[i : i + 76] for i in range(0, len(text), 76))
    shown = redact_text(f"cannot decode {word}{joined} here")
    assert shown.startswith(f"cannot decode {word}<image sha256="), shown[:200]
    assert shown.endswith(" here"), shown[-200:]


@pytest.mark.timeout(60)  # about 1 s now; 3 minutes before (not a timing: a hang's bound)
def test_a_megabyte_of_byte_values_with_one_glued_pair_is_linear() -> None:
    """Session 28: a pair glued to the next (``0x410x41``) after a MB of ``0x41, `` failed the
    hexdump run at its end from every start: quadratic, minutes for 2 MB (now about a second a
    MB, measured by hand); 300 KB here."""
    half = ("0x41, " * 30_000)[:150_003]  # ends "0x4": glued to the next half's "0x41"
    assert len(redact_text(half + half, [_TOKEN])) == 300_006


def test_signs_past_the_cap_are_forgotten_in_bulk_not_one_scan_a_sign(monkeypatch) -> None:
    """Session 28 (load now remembers each sign it sends): past the cap, each new sign deleted
    the oldest key by ``next(iter(...))``, which skips every slot deleted before it: 150,000
    signs took 30 s, then minutes (a long load run's). Counted, not timed: the stores are
    walked once a trim (a quarter of the cap), not once a sign."""
    from harness import redact as redact_module

    class Counted(dict):
        walks = 0

        def __iter__(self):  # type: ignore[no-untyped-def]
            Counted.walks += 1
            return super().__iter__()

        def items(self):  # type: ignore[no-untyped-def]
            Counted.walks += 1
            return super().items()

    for store in ("_SIGNS", "_SIGN_HALVES", "_RAW_SIGNS"):
        monkeypatch.setattr(redact_module, store, Counted())
    monkeypatch.setattr(redact_module, "SIGNS_CAP", 100)
    signs = [hashlib.md5(b"%d" % i).hexdigest() for i in range(1000)]
    for sign in signs:
        remember_sign(sign)
    assert Counted.walks < 500, Counted.walks  # ~108 (a walk a trim); 9,000 before
    assert len(redact_module._SIGNS) <= 400 and redact_text(signs[-1]) == MASK
