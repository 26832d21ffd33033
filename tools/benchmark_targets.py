"""The targets tools/benchmark.py judges its figures against, each as measured / limit."""

from __future__ import annotations

COLD_START_LIMIT = 5  # a Coral-size check, x python -c pass
COMMAND_LIMIT = 2  # --version and rules, x python -c pass
LARGE_LIMIT = 2  # the 142 MB model, x the needed-bytes read
PER_OPERATOR_SPREAD = 0.10  # of the marginal cost per operator, in a started process


def targets(start: dict[str, float], results: dict[str, tuple[dict[str, float], int]],
            coral: list[str], marginal: list[float], cache: dict[str, float]) -> None:
    floor = start["python -c pass"]
    checks: list[tuple[str, float, float]] = []  # (what, measured, limit)
    for name in coral:
        if name in results:
            figures = results[name][0]
            checks.append((f"{name} x python -c pass", figures["tpulint check"]
                           / figures["python -c pass"], COLD_START_LIMIT))
    for name in ("tpulint --version", "tpulint rules"):
        checks.append((f"{name} x python -c pass", start[name] / floor, COMMAND_LIMIT))
    if "large" in results:
        large = results["large"][0]
        checks.append(("large model x needed-bytes read", large["tpulint check"]
                       / large["needed bytes"], LARGE_LIMIT))
    if len(marginal) > 1:
        # Linear means a constant slope: total / operators also holds the fixed cost of a
        # model, which falls as it spreads over more operators, so the slopes are judged.
        checks.append(("marginal CPU cost per operator between successive series sizes, "
                       "spread (max / min - 1, in process)",
                       max(marginal) / min(marginal) - 1, PER_OPERATOR_SPREAD))
    for name, (figures, _count) in results.items():
        for reference in ("LiteRT details", "tflite walk"):
            checks.append((f"{name} x {reference}", figures["tpulint check"]
                           / figures[reference], 1))
    if cache:
        # as the inverse, so "at most" reads the same: warm / no-cache at most 1/5
        checks.append(("warm run x --no-cache run", cache["warm"] / cache["no cache"], 0.2))
        checks.append(("cache keys x structure read", cache["key"] / cache["structure"], 1))
    print("\ntargets (measured / limit):")
    for what, measured, limit in checks:
        print(f"  {'met   ' if measured <= limit else 'MISSED'} {what}: {measured:.2f} "
              f"(limit {limit:g})")
