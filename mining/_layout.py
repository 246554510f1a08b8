"""Left-to-right layered (Sugiyama) layout of a directed graph, shared by every process map and
model Mejora draws: boxes sized to their labels, long edges routed through slots of their own,
edge labels placed on their edges where nothing else is drawn."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

# label metrics at 11 px: an upper bound of Arial / Helvetica / DejaVu widths, so text fits its box
CHAR_WIDTH, BOLD_CHAR_WIDTH, LINE_HEIGHT = 6.6, 7.4, 15.0
LABEL_CHAR_WIDTH, LABEL_HEIGHT = 6.6, 15.0  # edge labels (10-11 px)
WRAP, MAX_LINES = 22, 3  # characters per line of an activity name, lines shown
PAD_X, PAD_Y = 12.0, 8.0  # text padding inside a box
COLUMN_GAP = 96.0  # between two layers: room for a label on every edge crossing the gap
NODE_GAP = 34.0  # between two boxes of one layer
SLOT_GAP = 16.0  # between a long edge's slot and a box or another slot
MARGIN = 24.0
_UNIT = 30.0  # pixels per unit of igraph's in-layer coordinate (before boxes push apart)

Point = tuple[float, float]


def layers(
    nodes: Sequence[Any],
    flows: Sequence[tuple[Any, Any]],
    weight: dict[tuple[Any, Any], float] | None = None,
) -> dict[Any, int]:
    """Longest-path layers from the sources, with back edges (found by depth-first search)
    left out so loops do not stretch the diagram; the search follows the heaviest edges first
    (``weight``), so the main flow runs forward and the rarer returns are the loops."""
    weight = weight or {}
    out: dict[Any, list[Any]] = {n: [] for n in nodes}
    for a, b in flows:
        if a != b:
            out[a].append(b)
    for node, targets in out.items():
        targets.sort(key=lambda t, n=node: -weight.get((n, t), 0.0))
    state: dict[Any, int] = {}
    back: set[tuple[Any, Any]] = set()
    for root in nodes:  # iterative depth-first search: a long chain must not overflow the stack
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(out[root]))]
        while stack:
            node, targets = stack[-1]
            for nxt in targets:
                if state.get(nxt) == 1:
                    back.add((node, nxt))
                elif nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, iter(out[nxt])))
                    break
            else:
                state[node] = 2
                stack.pop()
    forward = [(a, b) for a, b in flows if a != b and (a, b) not in back]
    indegree = {n: 0 for n in nodes}
    successors: dict[Any, list[Any]] = {n: [] for n in nodes}
    for a, b in forward:
        indegree[b] += 1
        successors[a].append(b)
    layer = {n: 0 for n in nodes}
    ready = [n for n in nodes if indegree[n] == 0]
    while ready:
        node = ready.pop()
        for nxt in successors[node]:
            layer[nxt] = max(layer[nxt], layer[node] + 1)
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    return layer


def wrap(text: str, width: int = WRAP, lines: int = MAX_LINES) -> tuple[list[str], bool]:
    """``text`` in lines of at most ``width`` characters (words kept whole where they fit), at
    most ``lines`` of them; True when it had to be shortened (show the full text on hover)."""
    wrapped = textwrap.wrap(str(text), width, break_long_words=True) or [""]
    if len(wrapped) <= lines:
        return wrapped, False
    kept = wrapped[:lines]
    kept[-1] = kept[-1][: width - 1].rstrip() + "…"
    return kept, True


def box_size(lines: Sequence[str], bold_lines: int = 0) -> tuple[float, float]:
    """Width and height of a box holding ``lines`` (the first ``bold_lines`` in bold)."""
    widths = [
        len(line) * (BOLD_CHAR_WIDTH if i < bold_lines else CHAR_WIDTH)
        for i, line in enumerate(lines)
    ]
    return max(widths, default=0.0) + 2 * PAD_X, len(lines) * LINE_HEIGHT + 2 * PAD_Y


def label_size(text: str) -> tuple[float, float]:
    """Width and height of an edge label."""
    return len(text) * LABEL_CHAR_WIDTH + 8.0, LABEL_HEIGHT


@dataclass(frozen=True)
class Box:
    """An axis-aligned box by its centre and size (pixels, y down)."""

    x: float
    y: float
    w: float
    h: float

    @property
    def left(self) -> float:
        return self.x - self.w / 2

    @property
    def right(self) -> float:
        return self.x + self.w / 2

    @property
    def top(self) -> float:
        return self.y - self.h / 2

    @property
    def bottom(self) -> float:
        return self.y + self.h / 2

    def overlaps(self, other: Box, margin: float = 0.0) -> bool:
        """Whether the two boxes share area (``margin`` grows this one first)."""
        return (
            self.left - margin < other.right
            and other.left < self.right + margin
            and self.top - margin < other.bottom
            and other.top < self.bottom + margin
        )

    def inside(self, other: Box, tolerance: float = 0.5) -> bool:
        """Whether this box lies within ``other``."""
        return (
            self.left >= other.left - tolerance
            and self.right <= other.right + tolerance
            and self.top >= other.top - tolerance
            and self.bottom <= other.bottom + tolerance
        )

    def cut_by(self, a: Point, b: Point, shrink: float = 1.0) -> bool:
        """Whether the segment a–b passes through the box's inside (shrunk by ``shrink``)."""
        return _segment_hits_box(a, b, self.left + shrink, self.top + shrink,
                                 self.right - shrink, self.bottom - shrink)  # fmt: skip


@dataclass(frozen=True)
class Route:
    """One edge as drawn: its polyline from the source's side to the target's (the arrowhead is
    at the last point) and where its label sits (None: no free place, shown on hover only)."""

    source: Hashable
    target: Hashable
    points: tuple[Point, ...]
    label: Box | None

    @property
    def segments(self) -> list[tuple[Point, Point]]:
        return list(pairwise(self.points))


@dataclass(frozen=True)
class Layout:
    """Where every node and edge of a layered drawing goes, in pixels (y grows downwards)."""

    boxes: dict[Hashable, Box]
    routes: list[Route]
    width: float
    height: float
    layer: dict[Hashable, int] = field(default_factory=dict)
    texts: dict[Hashable, tuple[str, ...]] = field(default_factory=dict)

    def crossings(self) -> int:
        """Edge crossings: pairs of segments of two different edges that properly intersect."""
        return count_crossings([r.segments for r in self.routes])

    def hidden_labels(self) -> int:
        """Edges whose label found no free place (their numbers are on hover)."""
        return sum(r.label is None for r in self.routes)

    def problems(self) -> list[str]:
        """What a reader would stumble on: boxes or labels on top of each other, labels
        outside the picture, edges through boxes they do not join (empty when the drawing is
        clean)."""
        found: list[str] = []
        items = list(self.boxes.items())
        for i, (a, box_a) in enumerate(items):
            for b, box_b in items[i + 1 :]:
                if box_a.overlaps(box_b):
                    found.append(f"boxes {a!r} and {b!r} overlap")
        labels = [(r, r.label) for r in self.routes if r.label is not None]
        for i, (route, label) in enumerate(labels):
            for other, label_b in labels[i + 1 :]:
                if label.overlaps(label_b):
                    found.append(f"labels of {_name(route)} and {_name(other)} overlap")
            for node, box in items:
                if label.overlaps(box):
                    found.append(f"label of {_name(route)} covers {node!r}")
        for route in self.routes:
            for a, b in route.segments:
                for node, box in items:
                    if node not in (route.source, route.target) and box.cut_by(a, b):
                        found.append(f"{_name(route)} passes through {node!r}")
                        break
        return found


def _name(route: Route) -> str:
    return f"{route.source!r}->{route.target!r}"


def layered_layout(
    nodes: Sequence[Hashable],
    edges: Sequence[tuple[Hashable, Hashable]],
    sizes: dict[Hashable, tuple[float, float]],
    *,
    labels: dict[tuple[Hashable, Hashable], str] | None = None,
    weights: dict[tuple[Hashable, Hashable], float] | None = None,
    first: Hashable | None = None,
    last: Hashable | None = None,
    texts: dict[Hashable, tuple[str, ...]] | None = None,
) -> Layout:
    """Lay ``nodes`` out in layers left to right (``first`` alone in the first layer, ``last``
    alone in the last), order each layer to reduce crossings (igraph's Sugiyama layout, the
    barycenter heuristic), give every edge that spans layers a slot of its own in each layer
    it passes, and place each edge's label on the edge where it covers nothing. ``texts`` (the
    lines each box shows) are kept on the layout for whoever draws it.

    The same graph in the same order always gives the same layout.
    """
    import igraph

    labels = labels or {}
    weights = weights or {}
    order = list(dict.fromkeys(nodes))
    if first is not None:
        order = [first, *(n for n in order if n != first)]
    edges = list(dict.fromkeys(edges))
    layer = layers(order, edges, weights)
    if first is not None:
        layer = {n: (v if n == first else max(v, 1)) for n, v in layer.items()}
    if last is not None:
        others = [v for n, v in layer.items() if n != last]
        layer[last] = max(others, default=0) + 1
    layer = _shorter_edges(layer, edges, {first, last} - {None})
    # long edges become chains of one-layer hops through dummy slots
    vertices: list[Any] = list(order)
    vertex_layer: list[int] = [layer[n] for n in order]
    index = {n: i for i, n in enumerate(order)}
    hops: list[tuple[int, int]] = []
    chains: dict[tuple[Any, Any], list[int]] = {}
    for a, b in edges:
        if a == b:
            continue
        la, lb = layer[a], layer[b]
        step = 1 if lb > la else -1
        chain = [index[a]]
        for level in range(la + step, lb, step):
            vertices.append(("dummy", a, b, level))
            vertex_layer.append(level)
            chain.append(len(vertices) - 1)
        chain.append(index[b])
        chains[(a, b)] = chain
        for u, v in pairwise(chain):
            hops.append((u, v) if vertex_layer[u] < vertex_layer[v] else (v, u))
    graph = igraph.Graph(n=len(vertices), edges=sorted(set(hops)), directed=True)
    coords = graph.layout_sugiyama(layers=vertex_layer, maxiter=200).coords
    # columns: x from the widest box of each layer
    depth = max(vertex_layer, default=0) + 1
    widths = [24.0] * depth
    for n in order:
        widths[layer[n]] = max(widths[layer[n]], sizes[n][0])
    column_x, x = [], MARGIN
    for w in widths:
        column_x.append(x + w / 2)
        x += w + COLUMN_GAP
    # rows: igraph's order in each layer; heights by weighted relaxation, so busy paths run
    # straight, with boxes and slots kept their distance apart
    hop_weight: dict[tuple[int, int], float] = {}
    for (a, b), chain in chains.items():
        for u, v in pairwise(chain):
            key = (u, v) if vertex_layer[u] < vertex_layer[v] else (v, u)
            hop_weight[key] = hop_weight.get(key, 0.0) + 1.0 + weights.get((a, b), 0.0)
    members: list[list[int]] = [[] for _ in range(depth)]
    for i, level in enumerate(vertex_layer):
        members[level].append(i)
    members = [sorted(layer, key=lambda i: (coords[i][0], i)) for layer in members]
    members = _fewer_crossings(members, sorted(hop_weight))
    ys = _rows(vertices, members, coords, hop_weight, sizes)
    boxes = {n: Box(column_x[layer[n]], ys[index[n]], *sizes[n]) for n in order}
    points = _route_points(edges, chains, vertices, vertex_layer, ys, column_x, widths, boxes)
    routes = _place_labels(edges, points, labels, weights, boxes)
    height = max((b.bottom for b in boxes.values()), default=0.0)
    height = max([height, *(y for r in routes for _, y in r.points)]) + MARGIN
    return Layout(
        boxes,
        routes,
        x - COLUMN_GAP + MARGIN,
        height,
        {n: layer[n] for n in order},
        dict(texts or {}),
    )


def _shorter_edges(
    layer: dict[Any, int], edges: list[tuple[Any, Any]], fixed: set[Any]
) -> dict[Any, int]:
    """Move each node to the layer, between its forward neighbours, where its edges are
    shortest (the median of its neighbours' layers): fewer long edges, fewer slots, fewer
    crossings. Forward edges stay forward, so the layering stays valid."""
    layer = dict(layer)
    near: dict[Any, list[Any]] = {n: [] for n in layer}
    into: dict[Any, list[Any]] = {n: [] for n in layer}
    out: dict[Any, list[Any]] = {n: [] for n in layer}
    for a, b in edges:
        if a != b:
            near[a].append(b)
            near[b].append(a)
            out[a].append(b)
            into[b].append(a)
    for _ in range(8):
        moved = False
        for node in sorted(layer, key=str):
            if node in fixed or not near[node]:
                continue
            here = layer[node]
            preds = [layer[a] for a in into[node] if layer[a] < here]
            succs = [layer[b] for b in out[node] if layer[b] > here]
            lo = max(preds) + 1 if preds else here
            hi = min(succs) - 1 if succs else here
            if lo > hi:
                continue
            spots = [layer[n] for n in near[node]]
            best = min(range(lo, hi + 1), key=lambda k: (sum(abs(k - x) for x in spots), k))
            if best != here:
                layer[node], moved = best, True
        if not moved:
            break
    return layer


def _fewer_crossings(members: list[list[int]], hops: list[tuple[int, int]]) -> list[list[int]]:
    """Improve igraph's order within each layer the way dot does: sweeps that sort each layer
    by the median position of its neighbours in the layer before, then swaps of neighbours
    that remove crossings; the order with the fewest crossings wins."""
    down: dict[int, list[int]] = {}
    up: dict[int, list[int]] = {}
    for u, v in hops:
        down.setdefault(u, []).append(v)
        up.setdefault(v, []).append(u)
    best = [list(layer) for layer in members]
    best_count = _crossings_of(best, down)
    order = [list(layer) for layer in best]
    for sweep in range(16):
        forward = sweep % 2 == 0
        levels = range(1, len(order)) if forward else range(len(order) - 2, -1, -1)
        for level in levels:
            near = order[level - 1] if forward else order[level + 1]
            where = {v: k for k, v in enumerate(near)}
            links = up if forward else down
            current = {v: k for k, v in enumerate(order[level])}

            def key(v: int, links=links, where=where, current=current) -> tuple[float, int]:
                spots = sorted(where[u] for u in links.get(v, ()) if u in where)
                if not spots:
                    return float(current[v]), current[v]
                mid = len(spots) // 2
                median = spots[mid] if len(spots) % 2 else (spots[mid - 1] + spots[mid]) / 2
                return float(median), current[v]

            order[level].sort(key=key)
        _transpose(order, down, up)
        count = _crossings_of(order, down)
        if count < best_count:
            best, best_count = [list(layer) for layer in order], count
    return best


def _pair_crossings(u: int, v: int, links: dict[int, list[int]], where: dict[int, int]) -> int:
    """Crossings between the edges of u and of v (u above v) towards one neighbouring layer."""
    return sum(1 for a in links.get(u, ()) for b in links.get(v, ()) if where[a] > where[b])


def _transpose(
    order: list[list[int]], down: dict[int, list[int]], up: dict[int, list[int]]
) -> None:
    """Swap neighbours in a layer while a swap removes crossings with the layers beside it."""
    improved, rounds = True, 0
    while improved and rounds < 10:
        improved, rounds = False, rounds + 1
        for level, layer in enumerate(order):
            before = {v: k for k, v in enumerate(order[level - 1])} if level else {}
            after = {v: k for k, v in enumerate(order[level + 1])} if level + 1 < len(order) else {}
            for k in range(len(layer) - 1):
                u, v = layer[k], layer[k + 1]
                now = _pair_crossings(u, v, up, before) + _pair_crossings(u, v, down, after)
                swapped = _pair_crossings(v, u, up, before) + _pair_crossings(v, u, down, after)
                if swapped < now:
                    layer[k], layer[k + 1] = v, u
                    improved = True


def _crossings_of(order: list[list[int]], down: dict[int, list[int]]) -> int:
    """Crossings of straight hops between consecutive layers in this order."""
    total = 0
    for level in range(len(order) - 1):
        where = {v: k for k, v in enumerate(order[level + 1])}
        ends = [where[b] for u in order[level] for b in sorted(down.get(u, ()), key=where.get)]
        total += sum(1 for i, a in enumerate(ends) for b in ends[i + 1 :] if b < a)
    return total


def _rows(
    vertices: list[Any],
    members: list[list[int]],
    coords: list[list[float]],
    hop_weight: dict[tuple[int, int], float],
    sizes: dict[Hashable, tuple[float, float]],
) -> list[float]:
    """Heights of every vertex: each layer keeps its order; sweeps to the right and back
    move each vertex towards the weighted mean height of its neighbours in the layer just
    placed, then the layer is fitted to those wishes as closely as the gaps allow."""
    depth = len(members)
    left: dict[int, list[tuple[int, float]]] = {i: [] for i in range(len(vertices))}
    right: dict[int, list[tuple[int, float]]] = {i: [] for i in range(len(vertices))}
    for (u, v), w in hop_weight.items():
        right[u].append((v, w))
        left[v].append((u, w))
    gaps = [
        [_gap(vertices[a], vertices[b], sizes) for a, b in pairwise(layer)] for layer in members
    ]
    ys = [0.0] * len(vertices)
    for level, layer in enumerate(members):
        _fit(layer, gaps[level], {i: coords[i][0] * _UNIT for i in layer}, {}, ys)
    sweeps = [*range(1, depth), *range(depth - 2, -1, -1)] * 4
    for k, level in enumerate(sweeps):
        forward = k % (2 * (depth - 1) or 1) < depth - 1
        wish: dict[int, float] = {}
        pull: dict[int, float] = {}
        for i in members[level]:
            neighbours = left[i] if forward else right[i]
            total = sum(w for _, w in neighbours)
            if total:
                wish[i] = sum(ys[j] * w for j, w in neighbours) / total
                pull[i] = total
            else:
                wish[i] = ys[i]
        _fit(members[level], gaps[level], wish, pull, ys)
    top = min((ys[i] - _half(vertices[i], sizes) for i in range(len(vertices))), default=0.0)
    return [y - top + MARGIN for y in ys]


def _gap(a: Any, b: Any, sizes: dict[Hashable, tuple[float, float]]) -> float:
    """Distance between the centres of two neighbours in a layer."""
    between = SLOT_GAP if _is_dummy(a) or _is_dummy(b) else NODE_GAP
    return _half(a, sizes) + between + _half(b, sizes)


def _fit(
    layer: list[int],
    gaps: list[float],
    wish: dict[int, float],
    pull: dict[int, float],
    ys: list[float],
) -> None:
    """Heights for one layer's vertices, in order and at least ``gaps`` apart, as close to
    their ``wish`` as possible (least squares weighted by ``pull``): pool-adjacent-violators on
    the heights less the gaps before them."""
    offsets = [0.0]
    for gap in gaps:
        offsets.append(offsets[-1] + gap)
    blocks: list[list[float]] = []  # [weighted sum, weight, count]
    for i, offset in zip(layer, offsets, strict=True):
        w = pull.get(i, 1.0)
        blocks.append([(wish[i] - offset) * w, w, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            total, weight, count = blocks.pop()
            blocks[-1][0] += total
            blocks[-1][1] += weight
            blocks[-1][2] += count
    k = 0
    for total, weight, count in blocks:
        for _ in range(count):
            ys[layer[k]] = total / weight + offsets[k]
            k += 1


def _is_dummy(vertex: Any) -> bool:
    return isinstance(vertex, tuple) and len(vertex) == 4 and vertex[0] == "dummy"


def _half(vertex: Any, sizes: dict[Hashable, tuple[float, float]]) -> float:
    return 0.0 if _is_dummy(vertex) else sizes[vertex][1] / 2


def _route_points(
    edges: list[tuple[Any, Any]],
    chains: dict[tuple[Any, Any], list[int]],
    vertices: list[Any],
    vertex_layer: list[int],
    ys: list[float],
    column_x: list[float],
    widths: list[float],
    boxes: dict[Any, Box],
) -> dict[tuple[Any, Any], list[Point]]:
    """Polylines: out of the source's side, across each column it passes at its own slot's
    height, diagonals only in the gaps between columns, into the target's side. The edges at
    one side of a box get ports spread along it, ordered by where they go."""
    ports: dict[tuple[Any, str], list[tuple[float, tuple[Any, Any]]]] = {}
    for a, b in edges:
        if a == b:
            continue
        chain = chains[(a, b)]
        forward = vertex_layer[chain[-1]] > vertex_layer[chain[0]]
        ports.setdefault((a, "right" if forward else "left"), []).append((ys[chain[1]], (a, b)))
        ports.setdefault((b, "left" if forward else "right"), []).append((ys[chain[-2]], (a, b)))
    offset: dict[tuple[Any, Any, Any], float] = {}
    for (node, _side), members in ports.items():
        members.sort(key=lambda m: (m[0], str(m[1])))
        box = boxes[node]
        step = min(8.0, (box.h - 10.0) / max(len(members), 1))
        for k, (_, edge) in enumerate(members):
            offset[(node, *edge)] = (k - (len(members) - 1) / 2) * step
    routes: dict[tuple[Any, Any], list[Point]] = {}
    for a, b in edges:
        if a == b:
            box = boxes[a]
            top = box.top
            routes[(a, b)] = [(box.x - 9, top), (box.x - 9, top - 15), (box.x + 9, top - 15),
                              (box.x + 9, top)]  # fmt: skip
            continue
        chain = chains[(a, b)]
        s = 1.0 if vertex_layer[chain[-1]] > vertex_layer[chain[0]] else -1.0
        start, end = boxes[a], boxes[b]
        y0, y1 = start.y + offset[(a, a, b)], end.y + offset[(b, a, b)]
        line = [(start.x + s * start.w / 2, y0)]
        column = vertex_layer[chain[0]]
        line.append((column_x[column] + s * widths[column] / 2, y0))
        for i in chain[1:-1]:
            level = vertex_layer[i]
            line.append((column_x[level] - s * widths[level] / 2, ys[i]))
            line.append((column_x[level] + s * widths[level] / 2, ys[i]))
        column = vertex_layer[chain[-1]]
        line.append((column_x[column] - s * widths[column] / 2, y1))
        line.append((end.x - s * end.w / 2, y1))
        routes[(a, b)] = [p for k, p in enumerate(line) if k == 0 or p != line[k - 1]]
    return routes


def _place_labels(
    edges: list[tuple[Any, Any]],
    points: dict[tuple[Any, Any], list[Point]],
    labels: dict[tuple[Any, Any], str],
    weights: dict[tuple[Any, Any], float],
    boxes: dict[Any, Box],
) -> list[Route]:
    """Each label on its edge, the busiest edges first, at the first spot (middle of the edge
    first) where it covers no box, no other label and no other edge's bend."""
    taken: list[Box] = []
    placed: dict[tuple[Any, Any], Box | None] = {}
    obstacles = list(boxes.values())
    for edge in sorted(edges, key=lambda e: (-weights.get(e, 0.0), str(e))):
        text = labels.get(edge, "")
        if not text:
            placed[edge] = None
            continue
        w, h = label_size(text)
        placed[edge] = None
        for x, y in _candidates(points[edge], edge[0] == edge[1]):
            spot = Box(x, y, w, h)
            if not any(spot.overlaps(o, 3.0) for o in obstacles + taken):
                placed[edge] = spot
                taken.append(spot)
                break
    return [Route(a, b, tuple(points[(a, b)]), placed[(a, b)]) for a, b in edges]


def _candidates(line: list[Point], loop: bool) -> Iterable[Point]:
    """Spots along a polyline for its label, the middle of the edge first."""
    if loop:
        (x0, _), _, _, (x1, y1) = line
        yield (x0 + x1) / 2, line[1][1] - 9
        return
    segments = [(p, q) for p, q in pairwise(line) if math.dist(p, q) > 12]
    middle = (len(segments) - 1) / 2
    ranked = sorted(range(len(segments)), key=lambda k: (abs(k - middle), k))
    for t in (0.5, 0.35, 0.65, 0.2, 0.8, 0.1, 0.9):
        for k in ranked:
            (x0, y0), (x1, y1) = segments[k]
            yield x0 + (x1 - x0) * t, y0 + (y1 - y0) * t


def _segment_hits_box(
    a: Point, b: Point, left: float, top: float, right: float, bottom: float
) -> bool:
    """Liang–Barsky clipping: whether the segment a–b has a part inside the rectangle."""
    if right <= left or bottom <= top:
        return False
    (x0, y0), (x1, y1) = a, b
    dx, dy = x1 - x0, y1 - y0
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, x0 - left), (dx, right - x0), (-dy, y0 - top), (dy, bottom - y0)):
        if p == 0:
            if q < 0:
                return False
            continue
        r = q / p
        if p < 0:
            lo = max(lo, r)
        else:
            hi = min(hi, r)
        if lo > hi:
            return False
    return hi - lo > 1e-9


def _cross(o: Point, a: Point, b: Point) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def count_crossings(polylines: Sequence[Sequence[tuple[Point, Point]]]) -> int:
    """Proper intersections between segments of different polylines (touching ends and
    overlapping collinear stretches are not crossings)."""
    found = 0
    flat = [(k, seg) for k, segs in enumerate(polylines) for seg in segs]
    for i, (k, (a, b)) in enumerate(flat):
        for m, (c, d) in flat[i + 1 :]:
            if m == k:
                continue
            if max(a[0], b[0]) < min(c[0], d[0]) or max(c[0], d[0]) < min(a[0], b[0]):
                continue
            d1, d2 = _cross(c, d, a), _cross(c, d, b)
            d3, d4 = _cross(a, b, c), _cross(a, b, d)
            if ((d1 > 1e-9 and d2 < -1e-9) or (d1 < -1e-9 and d2 > 1e-9)) and (
                (d3 > 1e-9 and d4 < -1e-9) or (d3 < -1e-9 and d4 > 1e-9)
            ):
                found += 1
    return found
