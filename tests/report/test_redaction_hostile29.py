"""What round 18 of the redaction audit (session 29) found the redactor let through: the spellings
session 28 left, and new ones. Each case is the echo a hostile target could put in a refusal."""

from __future__ import annotations

import base64
import hashlib

import pytest

from harness.redact import MASK, redact, redact_text, remember_sign

_TOKEN = "tok-hostile29-7c2e9b"
_T = _TOKEN.encode()
_SIGN = hashlib.md5(b"session 29: a sign echoed in parts and notations").hexdigest()
_RAW = bytes.fromhex(_SIGN)


def _b85_inside(data: bytes) -> str:
    return "xyz" + base64.b85encode(b"ab" + data + b"cd").decode()


_LEFT_BEHIND = {  # session 28's report: what it left unmasked
    "sign-halves-decimal": f"begins {int(_SIGN[:16], 16)} ends {int(_SIGN[16:], 16)}",
    "x-braces": "".join(f"\\x{{{b:x}}}" for b in _T),
    "U-braces": "".join(f"\\U{{{b:x}}}" for b in _T),
    "0x-pipe": "|".join(f"0x{b:02x}" for b in _T),
    "0x-wide-separator": ",    ".join(f"0x{b:02x}" for b in _T),
    "0x-json-escaped-lines": ",\\n  ".join(f"0x{b:02x}" for b in _T),
    "0x-16-bit": " ".join(f"0x{b:04x}" for b in _T),
    "0x-glued": "".join(f"0x{b:02x}" for b in _T),
    "0x-quoted": "[" + ", ".join(f"'0x{b:02x}'" for b in _T) + "]",
    "decimal-semicolons": ";".join(str(b) for b in _T),
    "decimal-spaces": " ".join(str(b) for b in _T),
    "0o-list": " ".join(f"0o{b:o}" for b in _T),
    "0b-list": ", ".join(f"0b{b:08b}" for b in _T),
    "b85-inside": _b85_inside(_T),
    "b85-shifted": base64.b85encode(b"q" + _T).decode(),
    "sign-raw-b85": base64.b85encode(_RAW).decode(),
    "sign-raw-a85-inside": base64.a85encode(b"abc" + _RAW).decode(),
    "sign-raw-b32-reversed": base64.b32encode(_RAW).decode()[::-1],
    "sign-raw-b64-halves": " then ".join(
        base64.b64encode(h).decode() for h in (_RAW[:8], _RAW[8:])
    ),
    "sign-halves-glued": f"sigA{_SIGN[:16]} and {_SIGN[16:]}end",
    "token-half-tail": _TOKEN[10:],
    "token-half-head-with-digit": _TOKEN[:13],
}


def _base36(number: int) -> str:
    return (_base36(number // 36) if number >= 36 else "") + "0123456789abcdefghijklmnopqrstuvwxyz"[
        number % 36
    ]


_NEW = {  # spellings this round invented (hostile_target's echo_byte_notations, echo_sign_parts)
    "U+-code-points": " ".join(f"U+{b:04X}" for b in _T),
    "hash-x": " ".join(f"#x{b:02x}" for b in _T),
    "assembler-h": " ".join(f"{b:02X}h" for b in _T),
    "decimal-16-bit-words": " ".join(
        str(int.from_bytes(_T[i : i + 2], "big")) for i in range(0, 20, 2)
    ),
    "decimal-dotted": ".".join(str(b) for b in _T),
    "c-octal": " ".join(f"0{b:o}" for b in _T),
    "binary-no-prefix": " ".join(f"{b:08b}" for b in _T),
    "rot47": _TOKEN.translate(
        str.maketrans(
            "".join(map(chr, range(33, 127))),
            "".join(chr(33 + (c + 14) % 94) for c in range(33, 127)),
        )
    ),
    "b85-reversed": base64.b85encode(_T).decode()[::-1],
    "b32hex": base64.b32hexencode(_T).decode(),
    "uuencode": __import__("binascii").b2a_uu(_T).decode().strip()[1:],
    "python-chr": "+".join(f"chr({b})" for b in _T),
    "java-char-casts": " + ".join(f"(char){b}" for b in _T),
    "sign-decimal-128-bit": str(int(_SIGN, 16)),
    "sign-decimal-32-bit-words": " ".join(str(int(_SIGN[i : i + 8], 16)) for i in range(0, 32, 8)),
    "sign-base36": _base36(int(_SIGN, 16)),
    "sign-raw-b32-half": base64.b32encode(_RAW[8:]).decode(),
}


@pytest.mark.parametrize(
    "echoed", [*_LEFT_BEHIND.values(), *_NEW.values()], ids=[*_LEFT_BEHIND, *_NEW]
)
def test_a_credential_in_a_spelling_session_28_left_or_a_new_one_is_masked(echoed: str) -> None:
    remember_sign(_SIGN)
    shown = redact_text(f"rejected {echoed}; retry", [_TOKEN])
    assert shown.startswith("rejected ") and shown.endswith(" retry"), shown  # not masked whole
    assert MASK in shown and echoed not in shown, shown


def test_normal_text_beside_those_spellings_is_kept() -> None:
    """No over-masking: what the new rules read (number lists, hex words, 0x and U+ values,
    base85-like runs) in ordinary text, with a token and a sign remembered."""
    remember_sign(_SIGN)
    image_sha = hashlib.sha256(b"an image of ours").hexdigest()
    normal = (
        f"<image sha256={image_sha} bytes=1234> at 2026-12-07T17:40:17Z (1765129217) "
        "traceNo 20261207160000123456789; scores 0.91 0.12 0.33 0.5; codes 200;404;500;503 "
        "ip 127.0.0.1 regs 0x41 0x42 0x43 0x44 | 0x1f|0x20|0x21|0x22; 0o17 0o20 0o21 0o22 "
        "U+1F600 U+0041 U+0042 U+0043 sizes 640 480 3 8; faceharness faceharness-demo "
        f"sha {hashlib.sha1(b'x').hexdigest()} half {_SIGN[:15]} " + "x" * 40
    )
    assert redact_text(normal, [_TOKEN, "faceharnessdemoappkey"]) == normal


def test_a_secret_across_byte_runs_is_masked_and_the_runs_beside_it_kept() -> None:
    """Review of session 29: a secret in three decimal runs was masked by reading the whole text
    as bytes, which rewrote the evidence beside it (a face box ``[12, 40, 200, 220]`` as
    ``0c28c8dc``, the time, the address, the scores); 0x runs alike (``0x41 0x42`` as ``AB``)."""
    secret = "Sk7pQ2xR9mT4vW8yZ1bN".encode()
    evidence = "; box [12, 40, 200, 220] at 18:30:02.123 from 127.0.0.1 scores 87, 91, 45, 66"
    for spell in (lambda b: ",".join(map(str, b)), lambda b: " ".join(f"0x{c:02x}" for c in b)):
        sent = " - ".join(spell(part) for part in (secret[:7], secret[7:13], secret[13:]))
        for text in (sent + evidence, "regs 0x41 0x42 0x43 0x44 key " + sent + evidence):
            shown = redact_text(text, [secret.decode()])
            assert MASK in shown and shown.endswith(evidence), shown
            assert shown.startswith("regs 0x41 0x42 0x43 0x44 key ") or shown.startswith(MASK)


def test_a_sign_or_secret_as_json_numbers_is_masked_and_plain_numbers_kept() -> None:
    """Review of session 29: a finding's answer is JSON, and a sign's halves or whole as numbers,
    its bytes or 16/32-bit words as a list of numbers, or a secret's 16-bit words were kept (the
    readers saw them only as text); a face box, a timestamp or a count beside them stays."""
    sign = hashlib.md5(b"json number probe").hexdigest()
    remember_sign(sign)
    raw, secret = bytes.fromhex(sign), "Sk7pQ2xR9mT4vW8yZ1bN"
    echoed = {
        "hi": int(sign[:16], 16),
        "whole": int(sign, 16),
        "words": [int(sign[i : i + 8], 16) for i in range(0, 32, 8)],
        "words16": [int(sign[i : i + 4], 16) for i in range(0, 32, 4)],
        "raw": list(raw),
        "secret16": [int.from_bytes(secret.encode()[i : i + 2]) for i in range(0, 20, 2)],
    }
    plain = {"box": [12, 40, 200, 220], "ts": 1765129217000, "big": 10**20, "ids": [7, 8]}
    shown = redact({**echoed, **plain}, [secret])
    assert all(shown[key] == MASK for key in echoed), shown
    assert {key: shown[key] for key in plain} == plain
