"""Image bytes in, validated pixels out (``_decode``: the one place that parses client uploads),
and images made for requests (``_make``: encoded, shaped, synthesised or package-shipped)."""

import os

# FFmpeg under OpenCV's VideoCapture wrote its own lines on stderr ("moov atom not found" for a
# corrupt mp4) beside the command's one line; the answer's code says it. Read at the process's
# first capture, so set before any (a user's own setting wins).
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

from ._decode import IMAGE_REJECT_REASONS as IMAGE_REJECT_REASONS
from ._decode import ImageInfo as ImageInfo
from ._decode import ImageRejected as ImageRejected
from ._decode import Rejected as Rejected
from ._decode import check_header as check_header
from ._decode import decode_image as decode_image
from ._decode import inspect_image as inspect_image
from ._decode import looks_complete as looks_complete
from ._decode import sha256_hex as sha256_hex
from ._decode import sniff_format as sniff_format
from ._make import BuiltinFace as BuiltinFace
from ._make import alpha_png as alpha_png
from ._make import builtin_faces as builtin_faces
from ._make import builtin_non_faces as builtin_non_faces
from ._make import cmyk_jpeg as cmyk_jpeg
from ._make import deep_png as deep_png
from ._make import encode as encode
from ._make import encode_image as encode_image
from ._make import exif_jpeg as exif_jpeg
from ._make import grayscale_jpeg as grayscale_jpeg
from ._make import interlaced_png as interlaced_png
from ._make import padded as padded
from ._make import palette_png as palette_png
from ._make import percent as percent
from ._make import picture as picture
from ._make import progressive_jpeg as progressive_jpeg
from ._make import reencode as reencode
from ._make import resized as resized
from ._make import still_video as still_video
from ._make import synthetic_image as synthetic_image
from ._make import times as times
from ._make import unpadded as unpadded
from ._make import within as within
