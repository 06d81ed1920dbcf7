"""Face engines behind one small interface (real dlib; a byte-hash stand-in for load tests), and
the calibration that turns distances into each API's scores."""

from . import calibration as calibration
from ._dlib import DlibEngine as DlibEngine
from ._fast import FastEngine as FastEngine
from ._types import FACE_REJECT_REASONS as FACE_REJECT_REASONS
from ._types import Engine as Engine
from ._types import FaceRejected as FaceRejected
from ._types import FaceTemplate as FaceTemplate
from .calibration import ImpostorModel as ImpostorModel
