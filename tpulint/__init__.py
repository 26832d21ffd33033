"""tpulint: check TensorFlow Lite models for Coral Edge TPU compatibility before compiling."""

__version__ = "0.1.0"
