"""Process map: frequency / performance, activity and path sliders; clicking an activity keeps
the cases that contain it, clicking a path the cases that take it (both join the filter stack)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
import dash_cytoscape as cyto
from dash import Input, Output, State, dcc, html, no_update

from dashboard import _cached, ids
from dashboard._callbacks import callback
from dashboard._components import field, message, number, share
from dashboard._data import View, counts, error_text, publish
from dashboard._graph import LAYOUT, STYLESHEET, elements_height, map_elements, map_height
from dashboard.i18n import t
from mining import CaseAttribute, Follows

PATH, ORDER, NAME = "/map", 1, "nav.map"
MARKS = {v / 10: f"{v * 10}%" for v in range(1, 11, 3)}


def layout(**_: Any) -> html.Div:
    """The page."""
    slider = {"min": 0.1, "max": 1.0, "step": 0.1, "marks": MARKS, "updatemode": "mouseup"}
    controls = dbc.Row(
        [
            dbc.Col(
                field(
                    t("map.metric"),
                    dbc.RadioItems(
                        id=ids.MAP_METRIC,
                        options=[
                            {"label": t("map.frequency"), "value": "frequency"},
                            {"label": t("map.performance"), "value": "performance"},
                        ],
                        value="frequency",
                        inline=True,
                    ),
                ),
                md=4,
            ),
            dbc.Col(
                field(t("map.activities"), dcc.Slider(id=ids.MAP_ACTIVITIES, value=1.0, **slider)),
                md=4,
            ),
            dbc.Col(field(t("map.paths"), dcc.Slider(id=ids.MAP_PATHS, value=0.8, **slider)), md=4),
        ]
    )
    return html.Div(
        [
            html.H2(
                [
                    t("map.title"),
                    " ",
                    dbc.Badge(id=ids.MAP_CASES, color="primary", className="ms-2"),
                ]
            ),
            controls,
            html.Div(id=ids.MAP_MESSAGE),
            html.Div(id=ids.MAP_COVERAGE, className="hint"),
            cyto.Cytoscape(
                id=ids.MAP_GRAPH,
                elements=[],
                layout=LAYOUT,
                stylesheet=STYLESHEET,
                style=_style(0),
                minZoom=0.2,
                maxZoom=3,
            ),
            html.P(t("map.hint"), className="hint"),
        ]
    )


@callback(
    Output(ids.MAP_GRAPH, "elements"),
    Output(ids.MAP_GRAPH, "style"),
    Output(ids.MAP_COVERAGE, "children"),
    Output(ids.MAP_MESSAGE, "children"),
    Input(ids.APP_VIEW, "data"),
    Input(ids.MAP_METRIC, "value"),
    Input(ids.MAP_ACTIVITIES, "value"),
    Input(ids.MAP_PATHS, "value"),
)
def draw_map(current: dict[str, Any] | None, metric: str, activities: float, paths: float) -> tuple:
    """The map of the view at the slider positions."""
    try:
        pmap = _cached.process_map(View.from_data(current), activities, paths)
    except (ValueError, LookupError) as exc:
        return [], _style(0), "", message(error_text(exc), "warning")
    coverage = t(
        "map.coverage", activities=share(pmap.activity_coverage), paths=share(pmap.path_coverage)
    )
    elements = map_elements(pmap, metric)
    return elements, _style(elements_height(elements)), coverage, None


def _style(height: float) -> dict[str, str]:
    return {"width": "100%", "height": f"{map_height(height)}px", "border": "1px solid #dde"}


@callback(Output(ids.MAP_CASES, "children"), Input(ids.APP_VIEW, "data"))
def count_cases(current: dict[str, Any] | None) -> str:
    """How many cases the view keeps."""
    view = View.from_data(current)
    return t("map.cases", cases=number(counts(view)[1])) if view.log else ""


@callback(
    Output(ids.APP_VIEW, "data", allow_duplicate=True),
    Input(ids.MAP_GRAPH, "tapNodeData"),
    State(ids.APP_VIEW, "data"),
    prevent_initial_call=True,
)
def filter_by_activity(node: dict[str, Any] | None, current: dict[str, Any] | None) -> Any:
    """Clicking an activity keeps the cases that contain it."""
    if not node or node.get("kind") != "activity":
        return no_update
    item = CaseAttribute("activity", (node["activity"],)).to_dict()
    return publish(View.from_data(current).adding(item))


@callback(
    Output(ids.APP_VIEW, "data", allow_duplicate=True),
    Input(ids.MAP_GRAPH, "tapEdgeData"),
    State(ids.APP_VIEW, "data"),
    State(ids.MAP_ACTIVITIES, "value"),
    State(ids.MAP_PATHS, "value"),
    prevent_initial_call=True,
)
def filter_by_path(
    edge: dict[str, Any] | None,
    current: dict[str, Any] | None,
    activities: float = 1.0,
    paths: float = 1.0,
) -> Any:
    """Clicking a path keeps the cases where its first activity is directly followed by the
    second, on a simplified map counting only the activities it shows (the map drew the path
    with the hidden ones left out)."""
    if not edge or edge.get("kind") != "path":
        return no_update
    view = View.from_data(current)
    shown: tuple[str, ...] = ()
    if activities < 1:
        pmap = _cached.process_map(view, activities, paths)
        if pmap.activity_coverage < 1:
            shown = tuple(str(a) for a in pmap.nodes["activity"])
    item = Follows(edge["from"], edge["to"], among=shown).to_dict()
    return publish(view.adding(item))
