"""Left-to-right layering of a directed graph, shared by diagram writers and figure builders."""

from __future__ import annotations

from typing import Any


def layers(nodes: list[Any], flows: list[tuple[Any, Any]]) -> dict[Any, int]:
    """Longest-path layers from the sources, with back edges (found by depth-first search)
    left out so loops do not stretch the diagram."""
    out: dict[Any, list[Any]] = {n: [] for n in nodes}
    indegree = {n: 0 for n in nodes}
    for a, b in flows:
        out[a].append(b)
    state: dict[Any, int] = {}
    back: set[tuple[Any, Any]] = set()

    def visit(node: Any) -> None:
        state[node] = 1
        for nxt in out[node]:
            if state.get(nxt) == 1:
                back.add((node, nxt))
            elif nxt not in state:
                visit(nxt)
        state[node] = 2

    for node in nodes:
        if node not in state:
            visit(node)
    forward = [(a, b) for a, b in flows if (a, b) not in back]
    for _, b in forward:
        indegree[b] += 1
    layer = {n: 0 for n in nodes}
    successors: dict[Any, list[Any]] = {n: [] for n in nodes}
    for a, b in forward:
        successors[a].append(b)
    ready = [n for n in nodes if indegree[n] == 0]
    while ready:
        node = ready.pop()
        for nxt in successors[node]:
            layer[nxt] = max(layer[nxt], layer[node] + 1)
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    return layer
