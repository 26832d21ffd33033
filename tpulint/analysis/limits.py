"""Named numeric limits of the Edge TPU and its compiler, each with where it comes from.

Documented limits come from Coral's documentation; observed ones were measured on real
compiler output (see `docs/compiler-facts.md`); the compiler never publishes them ("As we
cannot disclose how this happens", a Coral maintainer in google-coral/edgetpu#31). A prediction
that depends on an observed limit says so through its confidence.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limit:
    value: int
    unit: str
    basis: str  # "documented" or "observed"
    source: str

    def __str__(self) -> str:
        return f"{self.value:,} {self.unit}"


DEFAULT_RUNTIME = 14  # compiler 16 targets runtime 14 unless -m says otherwise

MAPPED_DIMENSIONS = Limit(
    3, "dimensions", "documented",
    "Coral model requirements: only the 3 innermost dimensions may be larger than 1",
)
PARAMETER_CACHE = Limit(
    round(6.9 * 1024 * 1024), "bytes", "observed",
    "compiler logs: 'On-chip memory used' plus 'remaining' for caching parameters",
)
# The Edge TPU lays a tensor out as y/x/z over its 3 innermost dimensions. An operator whose
# tensor has an x*z plane larger than this is left on the CPU: in a YOLOv8n at 640x640, planes of
# 230,400 bytes and more were refused while 134,400 mapped (and 176,400 elsewhere, compiler logs).
PLANE_BYTES = Limit(
    196_608, "bytes", "observed",
    "corpus: YOLOv8 heads at 640 and 320 px (refused from 230,400, mapped up to 176,400)",
)
# A TRANSPOSE moves data across the whole tensor: 82,944-byte tensors mapped, 230,400 did not.
TRANSPOSE_BYTES = Limit(
    196_608, "bytes", "observed",
    "corpus: YOLOv8 transposes (mapped up to 82,944 bytes, refused from 230,400)",
)
# Bilinear resizing is refused for large outputs (google-coral/edgetpu#31: a 512x512x32 output
# was refused, 128x128x32 mapped; DeepLab's 513x513x21 output stays on the CPU).
RESIZE_BILINEAR_OUTPUT = Limit(
    1_048_576, "bytes", "observed",
    "google-coral/edgetpu#31 and DeepLab v3 (refused at 5.5 MB, mapped at 0.5 MB)",
)
