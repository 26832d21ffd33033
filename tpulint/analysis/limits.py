"""Named numeric limits of the Edge TPU and its compiler, each with where it comes from.

Documented limits come from Coral's documentation; observed ones were measured on real compiler
output (see `docs/prediction.md`); the compiler never publishes them ("As we cannot disclose how
this happens", a Coral maintainer in google-coral/edgetpu#31). A prediction that depends on an
observed limit inside its bracket says so through its confidence.
"""

from __future__ import annotations

from tpulint.record import Record


class Limit(Record):
    """A limit and, for an observed one, its bracket: the largest size seen mapped and the
    smallest seen refused. `value` decides inside the bracket, where the decision is a guess."""

    value: int
    unit: str
    basis: str  # "documented" or "observed"
    source: str
    mapped: int | None = None  # largest size seen mapped
    refused: int | None = None  # smallest size seen refused

    def __str__(self) -> str:
        return f"{self.value:,} {self.unit}"

    def exceeded(self, size: int) -> bool:
        return size > self.value

    def uncertain(self, size: int) -> bool:
        """Whether `size` falls inside the bracket: no compiler output decides it."""
        if self.basis == "documented":
            return False
        low = self.mapped if self.mapped is not None else 0
        return low < size < (self.refused if self.refused is not None else size + 1)

    @property
    def bracket(self) -> str:
        mapped = f"{self.mapped:,}" if self.mapped is not None else "?"
        refused = f"{self.refused:,}" if self.refused is not None else "?"
        return f"mapped up to {mapped}, refused from {refused} {self.unit}"


def observed_bytes(value: int, source: str, mapped: int, refused: int) -> Limit:
    """A size limit measured on compiler output: `value` decides inside the bracket."""
    return Limit(value, "bytes", "observed", source, mapped=mapped, refused=refused)


DEFAULT_RUNTIME = 14  # compiler 16 targets runtime 14 unless -m says otherwise

MAPPED_DIMENSIONS = Limit(
    3, "dimensions", "documented",
    "Coral model requirements: only the 3 innermost dimensions may be larger than 1",
)
PARAMETER_CACHE = Limit(
    round(6.9 * 1024 * 1024), "bytes", "observed",
    "compiler logs: 'On-chip memory used' plus 'remaining' for caching parameters",
)
# Brackets re-derived on the 74 models of the ground-truth corpus (`tools/limit_brackets.py`):
# only operators the compiler refused for a reason of their own (every producer mapped, no other
# constraint broken, status unknown or "unspecified limitation") count as refused.

# The Edge TPU lays a tensor out as y/x/z over its 3 innermost dimensions. An operator with a
# tensor whose x*z plane is larger than this is left on the CPU.
PLANE_BYTES = observed_bytes(
    196_608, "corpus: YOLOv5n heads at 640 px (RESHAPE planes of 102,000 bytes mapped, 408,000 "
    "refused)", mapped=102_000, refused=408_000)
# A TRANSPOSE moves data across the whole tensor.
TRANSPOSE_BYTES = observed_bytes(
    98_304, "corpus: YOLOv8 box heads (69,696 bytes mapped at 352 px; 112,896 refused at 224 px, "
    "134,400 and 230,400 at 320 and 640 px)", mapped=69_696, refused=112_896)
# A RESHAPE that regroups a large tensor (a YOLOv5 head's 80x80x255 into 6400x3x85).
RESHAPE_BYTES = observed_bytes(
    1_048_576, "corpus: YOLOv5n heads at 640 px (408,000 bytes mapped, 1,632,000 refused)",
    mapped=408_000, refused=1_632_000)
# Bilinear resizing is refused for large outputs.
RESIZE_BILINEAR_OUTPUT = observed_bytes(
    1_048_576, "google-coral/edgetpu#31 (128x128x32 = 524,288 mapped, 512x512x32 refused); "
    "corpus: DeepLab's 5,000,211-byte output refused", mapped=524_288, refused=5_000_211)
