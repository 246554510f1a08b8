"""The process map as a reader sees it, measured in the browser: on every real public log in
../shared and every sample, in the dashboard and in the ``--figure`` HTML file, no two boxes
overlap, no two labels overlap, every activity's text fits inside its box, and no path passes
through a box it does not join. The geometry is read from the page (Cytoscape's own bounding
boxes and the SVG plotly drew), not from the layout that asked for it."""

from __future__ import annotations

import itertools
import re
import threading
import warnings
from collections.abc import Iterator

import pytest

from mining._layout import Box
from tests.browser.conftest import ARTIFACTS, PASSWORD, sign_in
from tests.conftest import LOGS

pytestmark = pytest.mark.browser

REAL = {
    "running-example": "running-example.xes",
    "receipt": "receipt.xes",
    "helpdesk": "helpdesk.xes.gz",
    "sepsis": "sepsis.xes.gz",
    "roadtraffic100traces": "roadtraffic100traces.xes",
}
SAMPLES = ["sales_activities", "email_events", "opportunities", "campaigns", "crm_pipeline"]
PATHS = 0.8  # the map page's default path slider


def _load(name: str):
    import mining
    from sample_logs import load_sample

    if name in REAL:
        if not (LOGS / REAL[name]).exists():
            pytest.skip(f"{REAL[name]} not found in {LOGS}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return mining.read_log(LOGS / REAL[name])
    return load_sample(name)


def problems(
    boxes: dict[str, Box],
    texts: dict[str, Box],
    labels: dict[str, Box],
    lines: list[tuple[str, str, list[tuple[float, float]]]],
) -> list[str]:
    """What a reader would stumble on, from measured geometry: boxes or labels on top of each
    other, an activity's text outside its box, a path through a box it does not join."""
    found = []
    names = sorted(boxes)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if boxes[a].overlaps(boxes[b], -0.5):
                found.append(f"boxes {a} and {b} overlap")
    for node, text in texts.items():
        if not text.inside(boxes[node], tolerance=1.0):
            found.append(f"the text of {node} overflows its box ({text} in {boxes[node]})")
    keys = sorted(labels)
    for i, a in enumerate(keys):
        for b in keys[i + 1 :]:
            if labels[a].overlaps(labels[b], -0.5):
                found.append(f"labels {a} and {b} overlap")
        for node, box in boxes.items():
            if labels[a].overlaps(box, -0.5):
                found.append(f"label {a} covers {node}")
    for source, target, points in lines:
        for p, q in itertools.pairwise(points):
            for node, box in boxes.items():
                if node not in (source, target) and box.cut_by(p, q, shrink=2.0):
                    found.append(f"{source}->{target} passes through {node}")
    return found


def _box(b: dict, pad: float = 0.0) -> Box:
    """A measured box; ``pad`` is taken off each side (Cytoscape pads its boxes by 1 px)."""
    return Box(
        (b["x1"] + b["x2"]) / 2,
        (b["y1"] + b["y2"]) / 2,
        b["x2"] - b["x1"] - 2 * pad,
        b["y2"] - b["y1"] - 2 * pad,
    )


def _measured(drawn: dict) -> tuple[dict, dict, dict, list]:
    """Boxes, texts, labels and lines read from Cytoscape."""
    boxes = {k: _box(v, 1.0) for k, v in drawn["boxes"].items()}
    texts = {k: _box(v) for k, v in drawn["texts"].items()}
    labels = {k: _box(v, 1.0) for k, v in drawn["labels"].items()}
    lines = [(s, t, [tuple(p) for p in pts]) for s, t, pts in drawn["lines"]]
    return boxes, texts, labels, lines


# -- the dashboard ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def layout_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """The app on the real logs that are present and the samples."""
    from werkzeug.serving import make_server

    from dashboard import UserStore
    from dashboard.app import create_app
    from mining import EventStore

    folder = tmp_path_factory.mktemp("maps")
    names = []
    with EventStore(folder / "store.duckdb") as store:
        for name in [*REAL, *SAMPLES]:
            if name in REAL and not (LOGS / REAL[name]).exists():
                continue
            store.save(_load(name), name)
            names.append(name)
    users = UserStore(folder / "users.json")
    users.add("ana", PASSWORD, role="analyst")
    app = create_app(folder / "store.duckdb", secret="c" * 64, users_file=users.path)
    httpd = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}", names
    httpd.shutdown()


_READ_CYTOSCAPE = """(graph) => {
  const root = document.getElementById(graph);
  const cy = [root, ...root.querySelectorAll('div')].find(el => el._cyreg)._cyreg.cy;
  const box = (b) => ({x1: b.x1, x2: b.x2, y1: b.y1, y2: b.y2});
  const nodes = cy.nodes().filter(n => n.data('kind') !== 'label');
  return {
    boxes: Object.fromEntries(nodes.map(n => [n.id(),
        box(n.boundingBox({includeLabels: false, includeOverlays: false}))])),
    texts: Object.fromEntries(nodes.filter(n => n.data('label')).map(n => [n.id(),
        box(n.boundingBox({includeNodes: false, includeLabels: true, includeOverlays: false}))])),
    labels: Object.fromEntries(cy.nodes('.edge-label').map(n => [n.id(),
        box(n.boundingBox({includeLabels: true, includeOverlays: false}))])),
    lines: cy.edges().map(e => {
      const inner = e.isLoop() ? [] : (e.segmentPoints() || []);
      return [e.source().id(), e.target().id(),
              [e.sourceEndpoint(), ...inner, e.targetEndpoint()].map(p => [p.x, p.y])];
    }),
  };
}"""


@pytest.mark.parametrize("name", [*REAL, *SAMPLES])
def test_the_dashboard_map_of_every_log_is_clean(browser, layout_server, name):
    import mining
    from dashboard._graph import map_elements

    url, names = layout_server
    if name not in names:
        pytest.skip(f"{name} not available")
    expected = map_elements(
        mining.process_map(_load(name), activities=1.0, paths=PATHS), "frequency"
    )
    edges = sum("source" in e["data"] for e in expected)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, base_url=url)
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        sign_in(page, "ana", "/map")
        page.locator("#map-coverage").filter(has_text="transitions").wait_for()
        page.click("#app-log")
        page.fill(".dash-dropdown-search", name)
        page.locator(".dash-dropdown-options").get_by_text(name, exact=True).click()
        page.wait_for_function(
            """([n, id]) => { const root = document.getElementById('map-graph');
                const h = [root, ...root.querySelectorAll('div')].find(el => el._cyreg);
                const cy = h && h._cyreg.cy;
                return cy && cy.edges().length === n && cy.getElementById(id).length; }""",
            arg=[
                edges,
                next(e["data"]["id"] for e in expected if e["data"].get("kind") == "activity"),
            ],
        )
        page.wait_for_timeout(300)
        drawn = page.evaluate(_READ_CYTOSCAPE, "map-graph")
        page.locator("#map-graph").screenshot(path=str(ARTIFACTS / f"map-layout-{name}.png"))
    finally:
        context.close()
    boxes, texts, labels, lines = _measured(drawn)
    assert len(boxes) == sum(e["data"].get("kind") in ("activity", "endpoint") for e in expected)
    assert labels, "no path is labelled"
    assert problems(boxes, texts, labels, lines) == []
    # start on the left, end on the right
    assert boxes["__start__"].left == min(b.left for b in boxes.values())
    assert boxes["__end__"].right == max(b.right for b in boxes.values())


def test_the_designed_workflow_is_drawn_with_the_same_layout(page):
    """The conformance page's drawing of the designed workflow: left to right, and clean."""
    sign_in(page, "ana", "/conformance")
    page.locator("#conf-workflow").wait_for()
    page.wait_for_timeout(1000)
    page.click("#conf-run")
    page.locator("#conf-summary").filter(has_text="fitness").wait_for(timeout=60_000)
    page.wait_for_function(
        """() => { const root = document.getElementById('conf-graph');
            const h = [root, ...root.querySelectorAll('div')].find(el => el._cyreg);
            return h && h._cyreg.cy.edges().length > 3; }"""
    )
    page.wait_for_timeout(300)
    drawn = page.evaluate(_READ_CYTOSCAPE, "conf-graph")
    page.locator("#conf-graph").screenshot(path=str(ARTIFACTS / "workflow-layout.png"))
    boxes, texts, labels, lines = _measured(drawn)
    assert len(boxes) > 3 and labels
    assert problems(boxes, texts, labels, lines) == []
    # left to right: every edge that is not a loop back runs to a box further right
    forward = [boxes[s].x < boxes[t].x for s, t, _ in lines if s != t]
    assert sum(forward) > len(forward) / 2


# -- the --figure HTML file ------------------------------------------------------------------
_READ_PLOTLY = r"""() => {
  const box = (el) => { const r = el.getBoundingClientRect();
                        return {x1: r.left, x2: r.right, y1: r.top, y2: r.bottom}; };
  const shapes = [...document.querySelectorAll('g.shape-group')].map(
      g => ({index: +g.getAttribute('data-index'), box: box(g.querySelector('path'))}));
  const notes = [...document.querySelectorAll('g.annotation')].map(
      g => ({index: +g.getAttribute('data-index'), box: box(g.querySelector('text'))}));
  const lines = [...document.querySelectorAll('g.trace.scatter')].map(g => {
      const path = g.querySelector('path.js-line');
      return path ? path.getAttribute('d') : null; });
  const svg = document.querySelector('svg.main-svg').getBoundingClientRect();
  const shift = document.querySelector('g.xy[transform]').getAttribute('transform');
  const [dx, dy] = shift.match(/-?[\d.]+/g).map(Number);
  return {shapes, notes, lines, origin: [svg.left + dx, svg.top + dy]};
}"""


@pytest.mark.parametrize("name", [*REAL, *SAMPLES])
def test_the_figure_file_of_every_log_is_clean(browser, tmp_path, name):
    import mining

    pmap = mining.process_map(_load(name))  # the map ``mejora dfg LOG --figure`` draws
    figure = mining.process_map_figure(pmap)
    path = tmp_path / f"{name}.html"
    figure.write_html(path, include_plotlyjs=True, full_html=True)
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    try:
        page.goto(path.as_uri())
        page.wait_for_selector("g.shape-group path")
        drawn = page.evaluate(_READ_PLOTLY)
        page.screenshot(path=str(ARTIFACTS / f"figure-layout-{name}.png"), full_page=True)
    finally:
        context.close()
    shapes = [s.name.removeprefix("node:") for s in figure.layout.shapes]
    assert len(drawn["shapes"]) == len(shapes)
    boxes = {shapes[s["index"]]: _box(s["box"]) for s in drawn["shapes"]}
    notes = {figure.layout.annotations[n["index"]].name: _box(n["box"]) for n in drawn["notes"]}
    texts = {k.removeprefix("text:"): v for k, v in notes.items() if k.startswith("text:")}
    labels = {k: v for k, v in notes.items() if k.startswith("edge:")}
    ox, oy = drawn["origin"]
    lines = []
    for trace, d in zip(figure.data, drawn["lines"], strict=True):
        if trace.mode != "lines" or not d:
            continue
        source, target = trace.meta["edge"]
        points = [
            (float(x) + ox, float(y) + oy) for x, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", d)
        ]
        lines.append((source, target, points))
    assert (
        len(lines)
        == len(pmap.edges) + pmap.nodes["starts"].gt(0).sum() + pmap.nodes["ends"].gt(0).sum()
    )
    assert problems(boxes, texts, labels, lines) == []
