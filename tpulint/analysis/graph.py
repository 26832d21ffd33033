"""Data flow between a subgraph's operators: producers, consumers and what depends on what."""

from __future__ import annotations

from collections.abc import Iterable

from tpulint.ir import Subgraph


class Graph:
    """Edges of one subgraph. Operators are identified by their index in execution order."""

    __slots__ = ("_consumers", "_has_rank", "_producer", "subgraph")

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
        self._has_rank: bool | None = None

    @property
    def writes_has_rank(self) -> bool:
        """Whether any tensor sets `has_rank`: converters that know the field set it on
        scalars, older ones leave it out everywhere. Found once: rules ask it per tensor."""
        if self._has_rank is None:
            self._has_rank = any(t.has_rank for t in self.subgraph.tensors)
        return self._has_rank

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
        """Every operator that depends, directly or not, on any of `ops` (not `ops` themselves).

        Walks tensors, each once, so the work is linear in operators plus tensor uses even when
        one tensor has thousands of readers."""
        operators = self.subgraph.operators
        seen: set[int] = set()
        done: set[int] = set()
        stack = list(ops)
        while stack:
            for tensor in operators[stack.pop()].outputs:
                if tensor < 0 or tensor in done:
                    continue
                done.add(tensor)
                for nxt in self._consumers[tensor]:
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
        return seen

    def ancestors(self, ops: Iterable[int]) -> set[int]:
        seen: set[int] = set()
        stack = list(ops)
        while stack:
            for nxt in self.predecessors(stack.pop()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    def connected_groups(self, members: set[int]) -> int:
        """How many groups `members` form when a writer and a reader of one tensor, both
        members, are joined. Linear in tensor uses (union-find over each tensor's users)."""
        parent = {op: op for op in members}

        def root(op: int) -> int:
            while parent[op] != op:
                parent[op] = parent[parent[op]]
                op = parent[op]
            return op

        for tensor, readers in enumerate(self._consumers):
            writer = self._producer[tensor]
            if writer not in parent:
                continue
            for reader in readers:
                if reader in parent:
                    parent[root(reader)] = root(writer)
        return sum(1 for op in members if root(op) == op)
