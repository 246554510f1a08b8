"""`mejora report --workflow`: the manager report carries the workflow's open suggested changes
(the planted weak email, long wait and dead branch) and its touch points."""

from __future__ import annotations

import re

import sample_logs
from automation import read_workflow
from automation._report_sections import suggestions_section, touch_points


def test_touch_points_follow_the_design():
    points = touch_points(read_workflow(sample_logs.workflow_path("welcome_nurture")))
    assert points["Welcome email"] == ["Welcome email sent"]
    assert list(points)[:2] == ["Welcome email", "Clicked the welcome email?"]
    assert "Ready for sales?" not in points  # a decision logs nothing


def test_report_lists_the_suggested_changes(store_path, tmp_path):
    from mejora.cli import main

    assert main(["sample", "load"]) == 0
    out = tmp_path / "report.html"
    flow = str(sample_logs.workflow_path("welcome_nurture"))
    args = ["report", "campaigns", "--period", "2025-12", "--lang", "es", "--workflow", flow]
    assert main([*args, "-o", str(out)]) == 0
    text = re.sub(r"<[^>]+>", " ", out.read_text(encoding="utf-8"))
    section = text[text.rindex("Cambios sugeridos abiertos: Welcome and lead nurturing") :]
    assert "Sustituir el correo «Nurture email 2" in section  # planted weak email
    assert "de 7 días a 1 día" in section  # planted long wait
    assert "la toman 0 de 298 casos" in section  # planted dead branch
    assert "Puntos de contacto completados" in text  # the touch-point KPI, from the design


def test_a_workflow_with_nothing_to_change_says_so():
    from automation import SuggestionReport

    empty = SuggestionReport("w", 1, (), (), {})
    assert suggestions_section(empty, "W", "en").render("en") == (
        "<p>The log shows nothing to change in this workflow.</p>"
    )
