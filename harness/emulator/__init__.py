"""The emulator: both documented APIs served with a real face engine, limits, latency,
faults and break modes, configured from the contract (never restating it)."""

from ._app import create_app, make_engine
from ._breaks import BREAKS, Break, describe_breaks
from ._idcard import check_char, valid_id_number
from ._server import EmulatorServer, check_bind_host, serve_forever
from ._settings import (
    DEMO_ID_NUM,
    DEMO_NAME,
    AppKey,
    EmulatorSettings,
    Identity,
    build_settings,
    parse_readings_option,
)
from ._specs import FAULT_KINDS, Fault, Latency, parse_fault, parse_latency

__all__ = [
    "BREAKS",
    "DEMO_ID_NUM",
    "DEMO_NAME",
    "FAULT_KINDS",
    "AppKey",
    "Break",
    "EmulatorServer",
    "EmulatorSettings",
    "Fault",
    "Identity",
    "Latency",
    "build_settings",
    "check_bind_host",
    "check_char",
    "create_app",
    "describe_breaks",
    "make_engine",
    "parse_fault",
    "parse_latency",
    "parse_readings_option",
    "serve_forever",
    "valid_id_number",
]
