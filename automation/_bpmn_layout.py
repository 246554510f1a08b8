"""The BPMN diagram layout: shapes in layers left to right, flows routed orthogonally."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

TASK_SIZE = (100.0, 80.0)
EVENT_SIZE = (36.0, 36.0)
GATEWAY_SIZE = (50.0, 50.0)
_COLUMN = 180.0  # distance between the centres of two layers
_ROW = 140.0  # distance between the centres of two rows (room for boundary events and labels)
_X0, _Y0 = 100.0, 100.0


@dataclass
class _Shape:
    element_id: str
    kind: str  # task, event, gateway
    x: float = 0.0
    y: float = 0.0
    width: float = 0.0
    height: float = 0.0

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2

    @property
    def right(self) -> tuple[float, float]:
        return (self.x + self.width, self.cy)

    @property
    def left(self) -> tuple[float, float]:
        return (self.x, self.cy)

    @property
    def top(self) -> tuple[float, float]:
        return (self.cx, self.y)

    @property
    def bottom(self) -> tuple[float, float]:
        return (self.cx, self.y + self.height)


@dataclass
class _Flow:
    flow_id: str
    source: str  # layout key (start event or node element id)
    target: str
    from_boundary: bool = False
    waypoints: list[tuple[float, float]] = field(default_factory=list)


def _size(kind: str) -> tuple[float, float]:
    return {"task": TASK_SIZE, "event": EVENT_SIZE, "gateway": GATEWAY_SIZE}[kind]


def _layout(
    order: list[str],
    shapes: dict[str, _Shape],
    flows: list[_Flow],
    boundaries: dict[str, _Shape],
) -> None:
    """Place shapes in layers left to right and route every flow between shape borders."""
    succ: dict[str, list[str]] = {key: [] for key in order}
    for flow in sorted(flows, key=lambda f: f.from_boundary):  # the timeout way out goes lower
        if flow.target not in succ[flow.source]:
            succ[flow.source].append(flow.target)
    # depth-first from the start (then from anything unreachable): discovery order, back edges
    index: dict[str, int] = {}
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    for root in order:
        if root in state:
            continue
        stack = [(root, iter(succ[root]))]
        state[root] = 1
        index[root] = len(index)
        while stack:
            current, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[current] = 2
                stack.pop()
            elif child not in state:
                state[child] = 1
                index[child] = len(index)
                stack.append((child, iter(succ[child])))
            elif state[child] == 1:
                back.add((current, child))
    forward = {key: [t for t in succ[key] if (key, t) not in back] for key in order}
    preds: dict[str, list[str]] = {key: [] for key in order}
    for key in order:
        for target in forward[key]:
            preds[target].append(key)
    # longest path over the forward edges (Kahn's order, ties by discovery)
    layer = {key: (0 if key == order[0] else 1) for key in order}
    missing = {key: len(preds[key]) for key in order}
    ready = sorted((k for k in order if not missing[k]), key=index.__getitem__)
    topo: list[str] = []
    while ready:
        current = ready.pop(0)
        topo.append(current)
        for target in forward[current]:
            layer[target] = max(layer[target], layer[current] + 1)
            missing[target] -= 1
            if not missing[target]:
                ready.append(target)
                ready.sort(key=index.__getitem__)
    # a step nothing leads to (unreachable) sits right before its first successor
    for key in reversed(topo):
        if key != order[0] and not preds[key] and forward[key]:
            layer[key] = max(1, min(layer[t] for t in forward[key]) - 1)
    # rows: a long edge gets a placeholder in every layer it crosses, so its lane stays free;
    # a node takes the row of its first predecessor, the k-th way out of a node goes k rows lower
    chains: dict[tuple[str, str], list[Any]] = {}
    outs: dict[Any, list[Any]] = {key: [] for key in order}
    ins: dict[Any, list[Any]] = {key: [] for key in order}
    tie: dict[Any, float] = dict(index)
    layer_of: dict[Any, int] = dict(layer)
    for key in order:
        for target in forward[key]:
            chain: list[Any] = [key]
            for step in range(layer[key] + 1, layer[target]):
                placeholder = (key, target, step)
                layer_of[placeholder], tie[placeholder] = step, index[key] + 0.5
                outs[placeholder], ins[placeholder] = [], []
                chain.append(placeholder)
            chain.append(target)
            for before, after in pairwise(chain):
                outs[before].append(after)
                ins[after].append(before)
            chains[(key, target)] = chain
    by_layer: dict[int, list[Any]] = {}
    for item, number in layer_of.items():
        by_layer.setdefault(number, []).append(item)
    row: dict[Any, int] = {}
    for number in sorted(by_layer):
        wanted = {  # steps nothing leads to go below the others
            item: min((row[p] + outs[p].index(item) for p in ins[item] if p in row), default=None)
            for item in by_layer[number]
        }
        last = -1
        for item in sorted(
            by_layer[number],
            key=lambda k: (float("inf") if wanted[k] is None else wanted[k], tie[k]),
        ):
            row[item] = max(wanted[item] or 0, last + 1)
            last = row[item]
    for key in order:
        shape = shapes[key]
        shape.width, shape.height = _size(shape.kind)
        shape.x = _X0 + layer[key] * _COLUMN - shape.width / 2
        shape.y = _Y0 + row[key] * _ROW - shape.height / 2
        if key in boundaries:  # on the bottom border, towards the right corner
            timer = boundaries[key]
            timer.width, timer.height = EVENT_SIZE
            timer.x = shape.x + shape.width - timer.width - 12
            timer.y = shape.y + shape.height - timer.height / 2
    loops = 0
    for flow in flows:
        source = boundaries[flow.source] if flow.from_boundary else shapes[flow.source]
        target = shapes[flow.target]
        if (flow.source, flow.target) in back:
            flow.waypoints = _loop_route(
                source, target, flow.from_boundary, loops, layer[flow.source]
            )
            loops += 1
        else:
            rows = [row[item] for item in chains[(flow.source, flow.target)]]
            lanes = [_Y0 + r * _ROW for r in rows]
            # a vertical line in the source's own column must not cross another step
            low, high = sorted((rows[0], rows[1]))
            straight_down = not any(
                low < row[item] <= high for item in by_layer[layer[flow.source]] if item in shapes
            )
            flow.waypoints = _lane_route(
                source, target, lanes, layer[flow.source], flow.from_boundary, straight_down
            )


def _loop_route(
    source: _Shape, target: _Shape, from_boundary: bool, number: int, column: int
) -> list[tuple[float, float]]:
    """A back edge leaves into the free band above its source (below, from a timer), goes back
    through the gap left of the source's column and comes down into the target's top through
    the free band above the target, so it crosses no step. ``column`` is the source's layer."""
    clearance = 18 + 6 * (number % 4)  # loops side by side do not share a line
    if source is target:
        side = source.x - clearance
        high = source.cy - TASK_SIZE[1] / 2 - clearance
        return [source.top, (source.cx, high), (side, high), (side, source.cy), source.left]
    gap = _X0 + column * _COLUMN - _COLUMN / 2
    band = TASK_SIZE[1] / 2 + clearance  # above the tallest shape of a row
    if from_boundary:
        start = source.bottom
        leave = start[1] + clearance - 8
    else:
        start = source.top
        leave = source.cy - band
    arrive = target.cy - band
    return _simplify(
        [start, (start[0], leave), (gap, leave), (gap, arrive), (target.cx, arrive), target.top]
    )


def _lane_route(
    source: _Shape,
    target: _Shape,
    lanes: list[float],
    first_layer: int,
    from_boundary: bool,
    straight_down: bool,
) -> list[tuple[float, float]]:
    """Orthogonal waypoints along the lanes (the y of each layer crossed), turning in the gaps
    between columns: down right after the source, back up right before the target. A timer or
    a gateway goes straight down (or up) to its lane when ``straight_down`` says the way is
    free, else it first steps into the gap after its column."""

    def gap(i: int) -> float:
        return _X0 + (first_layer + i) * _COLUMN + _COLUMN / 2

    if from_boundary:  # leave the timer downwards
        start = source.bottom
        points = [start]
        if lanes[1] > start[1] and straight_down:
            points.append((start[0], lanes[1]))
        else:
            below = start[1] + 25
            points += [(start[0], below), (gap(0), below), (gap(0), lanes[1])]
        first = 1
    elif source.kind == "gateway" and abs(lanes[1] - lanes[0]) >= 0.5 and straight_down:
        start = source.bottom if lanes[1] > lanes[0] else source.top  # leave from a corner
        points = [start, (start[0], lanes[1])]
        first = 1
    else:
        points = [source.right]
        first = 0
    for i in range(first, len(lanes) - 1):
        if abs(lanes[i + 1] - lanes[i]) >= 0.5:
            points += [(gap(i), lanes[i]), (gap(i), lanes[i + 1])]
    points.append(target.left)
    return _simplify(points)


def _simplify(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop repeated points and the middle one of three on a line."""
    result: list[tuple[float, float]] = []
    for point in points:
        if result and point == result[-1]:
            continue
        if len(result) >= 2:
            (x1, y1), (x2, y2) = result[-2], result[-1]
            if (x1 == x2 == point[0]) or (y1 == y2 == point[1]):
                result[-1] = point
                continue
        result.append(point)
    return result
