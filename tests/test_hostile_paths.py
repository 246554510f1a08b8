"""A pipe or a device given as a file is refused at once instead of blocking for ever (issue: a
FIFO, or `/dev/zero --format csv`, hung the command)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from mejora.cli import main


@pytest.fixture
def fifo(tmp_path, request):
    """A named pipe with the suffix the test asks for; a watchdog opens its other end after
    20 s, so a reader that blocked on it (the bug) gets EOF and the test fails instead of
    hanging."""
    path = tmp_path / f"pipe{request.param}"
    os.mkfifo(path)
    done = threading.Event()

    def unblock() -> None:
        if not done.wait(20):
            with open(path, "wb"):
                pass

    watchdog = threading.Thread(target=unblock, daemon=True)
    watchdog.start()
    yield path
    done.set()
    watchdog.join()


@pytest.mark.parametrize(
    ("args", "fifo"),
    [
        (["import", "{f}", "--name", "x"], ".csv"),
        (["import", "{f}", "--name", "x"], ".xes"),
        (["workflow", "validate", "{f}"], ".yaml"),
        (["kpis", "sales", "--settings", "{f}"], ".yaml"),
        (["spc", "--csv", "{f}", "--value", "v"], ".csv"),
        (["conformance", "sales", "--model", "{f}"], ".bpmn"),
    ],
    indirect=["fifo"],
)
def test_a_named_pipe_is_refused_by_every_reader(store_path, fifo, capsys, args):
    path = fifo
    code = main([a.format(f=path) for a in args])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"{path}: not a regular file" in err


def test_a_device_is_refused_before_a_byte_is_read(store_path, capsys):
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    assert main(["import", "/dev/zero", "--format", "csv", "--name", "zero"]) == 2
    assert "/dev/zero: not a regular file" in capsys.readouterr().err
