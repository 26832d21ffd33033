"""tpulint verify: confirm predictions with edgetpu_compiler and an attached Edge TPU."""
