"""Data flow between a subgraph's operators: producers, consumers and what depends on what."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from tpulint.ir import Subgraph


class Graph:
    """Edges of one subgraph. Operators are identified by their index in execution order."""

    __slots__ = ("_consumers", "_producer", "subgraph")

    def __init__(self, subgraph: Subgraph) -> None:
        self.subgraph = subgraph
        producer = [-1] * len(subgraph.tensors)
        consumers: list[list[int]] = [[] for _ in subgraph.tensors]
        for op in subgraph.operators:
            for index in op.outputs:
                if index >= 0:
                    producer[index] = op.index
            for index in dict.fromkeys(op.inputs):
                if index >= 0:
                    consumers[index].append(op.index)
        self._producer = producer
        self._consumers = [tuple(ops) for ops in consumers]

    def producer(self, tensor: int) -> int | None:
        """The operator writing `tensor`, or None for inputs, constants and -1."""
        if tensor < 0:
            return None
        op = self._producer[tensor]
        return op if op >= 0 else None

    def consumers(self, tensor: int) -> tuple[int, ...]:
        return self._consumers[tensor] if tensor >= 0 else ()

    def predecessors(self, op: int) -> list[int]:
        """Operators whose outputs `op` reads, in execution order."""
        found = {self._producer[t] for t in self.subgraph.operators[op].inputs if t >= 0}
        found.discard(-1)
        return sorted(found)

    def successors(self, op: int) -> list[int]:
        found = {c for t in self.subgraph.operators[op].outputs for c in self.consumers(t)}
        return sorted(found)

    def descendants(self, ops: Iterable[int]) -> set[int]:
        """Every operator that depends, directly or not, on any of `ops` (not `ops` themselves)."""
        return self._walk(ops, self.successors)

    def ancestors(self, ops: Iterable[int]) -> set[int]:
        return self._walk(ops, self.predecessors)

    def components(self, ops: Iterable[int]) -> int:
        """How many connected groups `ops` form, through edges between members only."""
        members = set(ops)
        seen: set[int] = set()
        groups = 0
        for start in sorted(members):
            if start in seen:
                continue
            groups += 1
            seen.add(start)
            stack = [start]
            while stack:
                op = stack.pop()
                for nxt in (*self.predecessors(op), *self.successors(op)):
                    if nxt in members and nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
        return groups

    @staticmethod
    def _walk(start: Iterable[int], step: Callable[[int], list[int]]) -> set[int]:
        seen: set[int] = set()
        stack = list(start)
        while stack:
            for nxt in step(stack.pop()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen
