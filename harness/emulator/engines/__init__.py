"""Face engines behind one small interface, and the calibration that turns distances into scores.

- :class:`DlibEngine`: real detection + 128-d embedding (about 150-250 ms per new image).
- :class:`FastEngine`: byte-hash stand-in for load tests (microseconds; not biometric).
- :mod:`calibration`: distance -> internal score, JD score/similarity/thresholds.
"""

from . import calibration as calibration
from ._dlib import DlibEngine as DlibEngine
from ._fast import FastEngine as FastEngine
from ._types import FACE_REJECT_REASONS as FACE_REJECT_REASONS
from ._types import Engine as Engine
from ._types import FaceRejected as FaceRejected
from ._types import FaceTemplate as FaceTemplate
from .calibration import ImpostorModel as ImpostorModel
