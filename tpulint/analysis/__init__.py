"""Facts computed once per model: graph, placement, recipe, memory. Depends on the IR only."""
