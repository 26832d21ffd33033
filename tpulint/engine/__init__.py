"""The middle of the pipeline: find model files, check each one, select rules, suppress, cache.

Modules, in the order a run uses them: `config` (settings), `registry` (rules), `selection`
(which rules run), `discover` (which files), `check` (one model), `batch` and `cache` (many
models), `suppress` and `baseline` (what is left to report), `run` (all of it). Import the module
you need: this package imports nothing, so `tpulint check` loads only what it uses.
"""
