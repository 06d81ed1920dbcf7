"""Face engines behind one small interface, and the calibration that turns distances into scores.

- :class:`DlibEngine`: real detection + 128-d embedding (about 150-250 ms per new image).
- :class:`FastEngine`: byte-hash stand-in for load tests (microseconds; not biometric).
- :mod:`calibration`: distance -> internal score, JD score/similarity/thresholds.
"""

from . import calibration
from ._cache import LruCache
from ._dlib import DlibEngine
from ._fast import FastEngine
from ._impostor import ImpostorModel
from ._quality import Detection, sharpness, single_face, yaw_ratio
from ._types import FACE_REJECT_REASONS, Box, Engine, FaceRejected, FaceRejectReason, FaceTemplate

__all__ = [
    "FACE_REJECT_REASONS",
    "Box",
    "Detection",
    "DlibEngine",
    "Engine",
    "FaceRejectReason",
    "FaceRejected",
    "FaceTemplate",
    "FastEngine",
    "ImpostorModel",
    "LruCache",
    "calibration",
    "sharpness",
    "single_face",
    "yaw_ratio",
]

for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) and _obj.__module__.startswith(__name__ + "._"):
        _obj.__module__ = __name__
