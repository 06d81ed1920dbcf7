"""The emulator: both APIs, a real face engine, limits, faults, breaks, read from the contract."""

from ._app import create_app as create_app
from ._app import make_engine as make_engine
from ._misbehaviour import FAULT_KINDS as FAULT_KINDS
from ._misbehaviour import parse_latency as parse_latency
from ._server import EmulatorServer as EmulatorServer
from ._server import check_bind_host as check_bind_host
from ._server import serve_forever as serve_forever
from ._settings import BREAKS as BREAKS
from ._settings import DEMO_ID_NUM as DEMO_ID_NUM
from ._settings import DEMO_NAME as DEMO_NAME
from ._settings import AppKey as AppKey
from ._settings import EmulatorSettings as EmulatorSettings
from ._settings import build_settings as build_settings
from ._settings import parse_readings_option as parse_readings_option
from ._validation import check_char as check_char
from ._validation import first_generation as first_generation
from ._validation import valid_id_number as valid_id_number
