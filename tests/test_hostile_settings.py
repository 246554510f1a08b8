"""Hostile YAML / JSON in the files users hand over (workflows, KPI settings, thresholds,
vocabularies): an alias bomb, deep nesting and oversized files are refused at once, with the
file named, by every command that reads them (issue: a 4 KB alias bomb passed validate, lint
and show, and `workflow save` grew ~180 MB/s)."""

from __future__ import annotations

import resource
import time

import pytest
import yaml

import sample_logs
from mejora.cli import main
from mining.safe_yaml import MAX_DEPTH, load_json, load_yaml


def alias_bomb(levels: int = 9) -> str:
    """A workflow carrying an alias bomb: 9 ** 9 strings once expanded, from 0.3 KB of YAML."""
    lines = ['a0: &a0 "lol"']
    for i in range(1, levels + 1):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    design = sample_logs.workflow_path("welcome_nurture").read_text(encoding="utf-8")
    # in a free-form field the format accepts (a step's params), so validation cannot catch it
    bombed = design.replace(
        "params: {email: welcome-1}", f"params: {{email: welcome-1, x: *a{levels}}}", 1
    )
    assert bombed != design
    return "\n".join(lines) + "\n" + bombed


@pytest.fixture
def bomb_file(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(alias_bomb(), encoding="utf-8")
    assert len(alias_bomb().split("\n#")[0]) < 1024  # the bomb itself
    return path


@pytest.mark.parametrize(
    "args",
    [
        ["workflow", "validate"],
        ["workflow", "lint"],
        ["workflow", "show"],
        ["workflow", "save", "--by", "ana"],
    ],
)
def test_an_alias_bomb_is_refused_by_every_workflow_command(
    bomb_file, tmp_path, monkeypatch, capsys, args
):
    monkeypatch.setenv("MEJORA_WORKFLOWS", str(tmp_path / "workflows"))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    command = [*args[:2], str(bomb_file), *args[2:]]
    assert main(command) == 2
    assert time.perf_counter() - start < 5
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200_000  # KiB
    err = capsys.readouterr().err
    assert str(bomb_file) in err and "alias *a0 is not accepted" in err and "line 2" in err
    assert not (tmp_path / "workflows").exists() or not list(
        (tmp_path / "workflows").rglob("*.json")
    )


def test_aliases_and_deep_nesting_are_refused_in_settings_and_vocabularies(
    store_path, tmp_path, capsys
):
    with_alias = tmp_path / "settings.yaml"
    with_alias.write_text("won: &w ['Deal won']\ngoal: *w\n", encoding="utf-8")
    deep = tmp_path / "vocabulary.yaml"
    deep.write_text("roles: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n")
    assert main(["sample", "load"]) == 0
    capsys.readouterr()
    assert main(["kpis", "sales_activities", "--settings", str(with_alias)]) == 2
    err = capsys.readouterr().err
    assert str(with_alias) in err and "alias *w is not accepted" in err
    assert main(["vocabulary", "sales_activities", "--vocabulary", str(deep)]) == 2
    err = capsys.readouterr().err
    assert str(deep) in err and f"nested deeper than {MAX_DEPTH} levels" in err


def test_the_bounded_readers_read_what_safe_load_reads():
    text = sample_logs.workflow_path("sales_pipeline").read_text(encoding="utf-8")
    assert load_yaml(text) == yaml.safe_load(text)
    with pytest.raises(ValueError, match="nested too deeply"):
        load_json("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="more than a settings or workflow file holds"):
        load_yaml("x" * (9 << 20))


def test_lint_on_a_workflow_of_thousands_of_steps_is_no_recursion_error(tmp_path, capsys):
    # before: `workflow lint` on a 10,000-node workflow raised RecursionError
    n = 3000
    nodes = [
        {"id": f"n{i}", "type": "action", "action": "create_task", "name": f"step {i}"}
        for i in range(n)
    ] + [{"id": "end", "type": "end", "name": "end"}]
    edges = [{"from": f"n{i}", "to": f"n{i + 1}"} for i in range(n - 1)]
    edges += [{"from": f"n{n - 1}", "to": "end"}]
    design = {"id": "long", "name": "Long", "version": 1, "start": "n0"}
    path = tmp_path / "long.yaml"
    path.write_text(yaml.safe_dump({**design, "nodes": nodes, "edges": edges}), encoding="utf-8")
    assert main(["workflow", "lint", str(path), "--json"]) == 0
    import json

    rules = {f["rule"] for f in json.loads(capsys.readouterr().out)}
    assert "no-goal" in rules
