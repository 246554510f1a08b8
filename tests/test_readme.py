"""The README's "Using it" examples run as written on the samples (after `mejora sample load`),
from a folder laid out like the repository, in the order a reader runs them."""

from __future__ import annotations

import hashlib
import re
import shlex
import time
from pathlib import Path

from mejora.cli import main

ROOT = Path(__file__).resolve().parents[1]
SERVES_FOREVER = {"dashboard"}  # a web server: the browser tests start it


def examples() -> list[str]:
    """The `mejora` lines of the README's "Using it" block, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Using it\n.*?```bash\n(.*?)```", text, re.S)
    assert block, "README.md has no 'Using it' bash block"
    return [line for line in block.group(1).splitlines() if line.startswith("mejora ")]


def _digests() -> dict[str, str]:
    folder = ROOT / "sample_logs" / "data"
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_the_readme_lists_what_a_user_reaches(capsys):
    lines = examples()
    commands = {shlex.split(line, comments=True)[1] for line in lines}
    assert len(lines) >= 30
    assert {"import", "conformance", "suggest", "whatif", "apply", "rollback", "report"} <= commands


def test_every_readme_example_runs_as_written(tmp_path, monkeypatch, capsys):
    (tmp_path / "sample_logs").symlink_to(ROOT / "sample_logs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MEJORA_STORE", str(tmp_path / "store.duckdb"))
    monkeypatch.setenv("MEJORA_WORKFLOWS", str(tmp_path / "workflows"))
    monkeypatch.setenv("MEJORA_USERS", str(tmp_path / "users.json"))
    before = _digests()
    assert main(["sample", "load"]) == 0
    took = {}
    for line in examples():
        argv = shlex.split(line, comments=True)[1:]
        if argv[0] in SERVES_FOREVER:
            continue
        start = time.perf_counter()
        code = main(argv)
        took[line] = time.perf_counter() - start
        out, err = capsys.readouterr()
        assert code == 0, f"{line}\n{err or out}"
    for name in ("bad_rows.csv", "model.bpmn", "cases.csv", "informe.html", "report.html"):
        assert (tmp_path / name).stat().st_size > 0, name
    slowest = max(took, key=took.get)
    print(f"{len(took)} examples, slowest {took[slowest]:.1f} s: {slowest}")
    assert _digests() == before  # the sample files were only read
