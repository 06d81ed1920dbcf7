"""Locate and load dlib and the model files shipped by ``face_recognition_models``.

The package is found with ``importlib.util.find_spec`` and never imported: its
``__init__`` does ``from pkg_resources import ...``, which fails on current setuptools.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Final

from harness.errors import ConfigError

MODELS_PACKAGE: Final = "face_recognition_models"
SHAPE_PREDICTOR_5: Final = "shape_predictor_5_face_landmarks.dat"
RESNET_EMBEDDING: Final = "dlib_face_recognition_resnet_model_v1.dat"


def model_path(filename: str) -> Path:
    """Absolute path of one model file; ConfigError with the install command if missing."""
    spec = importlib.util.find_spec(MODELS_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for root in locations:
        candidate = Path(root) / "models" / filename
        if candidate.is_file():
            return candidate
    raise ConfigError(
        f"dlib model {filename} not found in package {MODELS_PACKAGE}; "
        "install it with: pip install face-recognition-models"
    )


def import_dlib() -> ModuleType:
    """``import dlib`` with an install hint instead of a bare ImportError."""
    try:
        import dlib
    except ImportError as exc:
        raise ConfigError(
            f"the dlib engine needs dlib ({exc}); install it with: pip install dlib-bin"
        ) from None
    module: ModuleType = dlib
    return module
