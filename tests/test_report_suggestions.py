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
    # units and numbers in the report's language
    assert "correo): 0,8 % (n = 2.889)" in section  # a share as a percentage, Spanish format
    assert not re.search(r"\d (share|proporción)\b", section)
    assert re.search(r"\d,\d horas \(n = \d", section)  # 17,4 horas, not 17.4 hours
    assert " cases / month" not in section and " case-days" not in section
    # the evidence sentence too: "horas de «…» a «…»", not "hours from '…' to '…'"
    assert "horas de «Nurture email 1 sent» a «Nurture email 1 clicked»" in section
    assert not re.search(r"\b(share of|hours from|cases whose|click rate)\b", section)


def test_every_rule_states_its_evidence_in_both_languages():
    """Each suggestion rule gives its evidence metric as a Text (English and Spanish), never a
    bare English string."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "automation"
    seen = 0
    for path in sorted(root.glob("_rules_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "make"):
                continue
            metric = next(k.value for k in node.keywords if k.arg == "metric")
            seen += 1
            assert isinstance(metric, ast.Call), f"{path.name}:{node.lineno}"
            assert metric.func.id in ("Text", "branch_share"), f"{path.name}:{node.lineno}"
    assert seen >= 17


def test_every_unit_a_rule_measures_in_has_its_spanish():
    from pathlib import Path

    from automation._suggestion_text import UNITS_ES

    root = Path(__file__).resolve().parents[1] / "automation"
    used = {u for f in root.glob("*.py") for u in re.findall(r'unit="([^"]+)"', f.read_text())}
    assert used and used <= set(UNITS_ES), used - set(UNITS_ES)


def test_a_workflow_with_nothing_to_change_says_so():
    from automation import SuggestionReport

    empty = SuggestionReport("w", 1, (), (), {})
    assert suggestions_section(empty, "W", "en").render("en") == (
        "<p>The log shows nothing to change in this workflow.</p>"
    )
