"""tpulint fix: rewrite a model by reconversion until it maps on the Edge TPU."""
