"""The Edge TPU compiler's own per-operator status strings, as its operation log prints them."""

MAPPED = "Mapped to Edge TPU"
NOT_SUPPORTED = "Operation not supported"
UNSUPPORTED_TYPE = "Operation is working on an unsupported data type"
UNSPECIFIED = (
    "Operation is otherwise supported, but not mapped due to some unspecified limitation"
)
MORE_THAN_ONE_SUBGRAPH = "More than one subgraph is not supported"
UNSUPPORTED_RANK = "Tensor has unsupported rank (up to 3 innermost dimensions mapped)"
VERSION_NOT_SUPPORTED = "Operation version not supported"
NOT_CONSTANT = "Filter, bias, or other param is not constant at compile-time"
UNITARY_STRIDES = "Only Strided-Slice with unitary strides supported"
# Printed for FULLY_CONNECTED (google-coral/edgetpu#27) and for SPLIT along the outer axis
TWO_D_OUTPUT = "For example, a fully-connected or softmax layer with 2D output"
IMPRECISE_INTERPOLATION = "Image-interpolation layer won't run precisely enough on Edge TPU"

ALL = (
    MAPPED, NOT_SUPPORTED, UNSUPPORTED_TYPE, UNSPECIFIED, MORE_THAN_ONE_SUBGRAPH,
    UNSUPPORTED_RANK, VERSION_NOT_SUPPORTED, NOT_CONSTANT, UNITARY_STRIDES,
    IMPRECISE_INTERPOLATION, TWO_D_OUTPUT,
)
