"""Dashboard under load: 20 users at once on a 1M-event log, p50 / p95 / p99 per interaction.

What it measures
----------------
A seeded 1,000,000-event CRM log (``sample_logs._generate.write_crm_log``) is imported into a
temporary event store and ``mejora dashboard`` is started on it as its own process, exactly as a
user starts it (its default server), listening on 127.0.0.1 only. Then ``--users`` simulated
people (default 20), each with an account and a session of their own, sign in through the login
form and use the dashboard over HTTP as the browser does (``POST /_dash-update-component`` with
the callback's inputs; the callbacks a change fires together are sent together, as the browser
sends them): on the process map they move a slider one step, toggle frequency / performance,
click an activity or a path (the click, then the map, case count and filter panel of the new
view) and remove the last filter; they switch between Overview, Process map and Variants. Each
pauses 1–3 s between two actions, as a person does. The mix is seeded; the run is bounded by
``--actions`` per user and ``--duration`` seconds.

* **p50 / p95 / p99 per interaction**, wall-clock from the first request of the interaction to
  the last answer. The first page of each user (signing in, the first map of the log) is
  reported apart and not held to the target; so is "overview KPIs ready": the background work
  the Overview starts for a view never seen before, shown with a spinner while the page stays
  usable (measured until the page's poll, every 400 ms, gets the cards).
* **peak RSS** of the server (every process it runs), sampled every 0.2 s.
* **idle after the last user**: how long the server keeps a core busy (CPU above 5 % of one
  core) after every user has stopped; background work should stop when nobody is looking.

Target: p95 < 300 ms for every held interaction.

    python benchmarks/bench_dashboard_load.py                          # 20 users, 1M events
    python benchmarks/bench_dashboard_load.py --events 100000 --users 5 --actions 10  # quick
    python benchmarks/bench_dashboard_load.py --server-args="--server flask"  # the old server

This is a script, not a test: pytest does not collect it. It only talks to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a plain script from a source checkout
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402  (Dash depends on it)

from benchmarks.bench_dashboard import percentile  # noqa: E402

TARGET_MS = 300.0
HOST = "127.0.0.1"
ROUTER = ".._pages_content.children..._pages_store.data.."
PASSWORD = "load-test-password"


class Response:
    """A requests response with the two methods ``CallbackClient`` reads (Flask's names)."""

    def __init__(self, response: requests.Response) -> None:
        self.status_code = response.status_code
        self._response = response

    def get_data(self, as_text: bool = False) -> Any:
        return self._response.text if as_text else self._response.content

    def get_json(self) -> Any:
        return self._response.json()


class HttpClient:
    """One person's browser: a cookie jar and keep-alive connections to the server."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=8)
        self.session.mount("http://", adapter)
        self.requests = 0

    def get(self, path: str) -> Response:
        self.requests += 1
        return Response(self.session.get(self.base + path, timeout=300))

    def post(self, path: str, **kwargs: Any) -> Response:
        self.requests += 1
        return Response(self.session.post(self.base + path, timeout=300, **kwargs))


class Server:
    """``mejora dashboard`` in its own process, and its memory and CPU seen from /proc."""

    def __init__(self, folder: Path, store: Path, users: Path, extra: list[str]) -> None:
        with socket.socket() as s:
            s.bind((HOST, 0))
            self.port = s.getsockname()[1]
        env = {
            **os.environ,
            "MEJORA_SECRET_KEY": "l" * 64,
            "MEJORA_WORKFLOWS": str(folder / "workflows"),
            "PYTHONUNBUFFERED": "1",
        }
        command = [sys.executable, "-m", "mejora", "dashboard", "--store", str(store)]
        command += ["--users", str(users), "--host", HOST, "--port", str(self.port)]
        command += ["--no-samples", *extra]
        self.log = (folder / "server.log").open("w")
        self.process = subprocess.Popen(command, env=env, stdout=self.log, stderr=self.log)
        self.base = f"http://{HOST}:{self.port}"
        self.peak_rss = 0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped: see {self.log.name}")
            try:
                if requests.get(self.base + "/login", timeout=2).status_code == 200:
                    self._sampler.start()
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise TimeoutError("the server did not answer")

    def pids(self) -> list[int]:
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            try:
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                continue
            todo += [int(c) for c in children]
        return found

    def rss(self) -> int:
        total = 0
        for pid in self.pids():
            try:
                total += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
            except (OSError, IndexError, ValueError):
                continue
        return total * os.sysconf("SC_PAGE_SIZE")

    def cpu_seconds(self) -> float:
        total = 0.0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_rss = max(self.peak_rss, self.rss())
            time.sleep(0.2)

    def busy_for(self, limit: float = 900) -> float:
        """Seconds until the server's CPU use falls below 5 % of a core (for 2 s in a row)."""
        began = time.monotonic()
        quiet = 0
        last = self.cpu_seconds()
        while time.monotonic() - began < limit:
            time.sleep(1)
            now = self.cpu_seconds()
            quiet = quiet + 1 if now - last < 0.05 else 0
            last = now
            if quiet == 2:
                return max(time.monotonic() - began - 2, 0.0)
        return limit

    def stop(self) -> None:
        self._stop.set()
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class Results:
    """Milliseconds per interaction, from every user's thread."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = {}
        self.callbacks: dict[str, list[float]] = {}
        self.errors: list[str] = []
        self._lock = threading.Lock()

    def add(self, name: str, ms: float) -> None:
        with self._lock:
            self.samples.setdefault(name, []).append(ms)

    def callback(self, name: str, ms: float) -> None:
        with self._lock:
            self.callbacks.setdefault(name, []).append(ms)

    def error(self, text: str) -> None:
        with self._lock:
            self.errors.append(text)

    def report(self, held: set[str]) -> bool:
        head = f"\n{'interaction':<36}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
        print(head + "  target")
        ok = True
        for name in sorted(self.samples, key=lambda n: (n not in held, n)):
            values = self.samples[name]
            p95 = percentile(values, 0.95)
            verdict = ("ok" if p95 < TARGET_MS else "MISSED") if name in held else "(not held)"
            ok &= name not in held or p95 < TARGET_MS
            print(
                f"{name:<36}{len(values):>5}{percentile(values, 0.5):>9.0f}{p95:>9.0f}"
                f"{percentile(values, 0.99):>9.0f}{max(values):>9.0f}  {verdict}"
            )
        print("\nper callback (the requests the interactions are made of):")
        for name, values in sorted(self.callbacks.items(), key=lambda i: -percentile(i[1], 0.95)):
            print(
                f"  {name:<34}{len(values):>5}{percentile(values, 0.5):>9.0f}"
                f"{percentile(values, 0.95):>9.0f}{percentile(values, 0.99):>9.0f}"
                f"{max(values):>9.0f}"
            )
        return ok


class Person:
    """One simulated user: signs in, then acts and pauses until the run's bounds."""

    def __init__(self, n: int, args: argparse.Namespace, keys: dict[str, Any], base: str) -> None:
        self.name = f"user{n:02d}"
        self.random = random.Random(args.seed * 1000 + n)
        self.args, self.keys, self.base = args, keys, base
        self.http = HttpClient(base)
        self.parallel = ThreadPoolExecutor(max_workers=6)
        self.view: dict[str, Any] = {"log": "crm", "filters": []}
        self.page, self.metric, self.a, self.p = "/map", "frequency", 1.0, 0.8
        self.elements: list[dict[str, Any]] = []

    def call(self, what: str, *values: Any, changed: int = 0) -> dict[str, Any]:
        began = time.perf_counter()
        out = self.calls.call(self.keys[what], *values, changed=changed)
        self.results.callback(what, (time.perf_counter() - began) * 1000)
        return out

    def arrive(self) -> None:
        """The callbacks the current page fires on the view, sent together."""
        v = self.view
        fired: list[tuple[str, tuple]] = [("show_filters", (v,))]
        if self.page == "/map":
            fired += [("draw_map", (v, self.metric, self.a, self.p)), ("map_cases", (v,))]
        elif self.page == "/":
            fired += [("list_logs", (v,)), ("overview_cases", (v,)), ("show_kpis", (v,))]
        else:
            fired += [("show_variants", (v, 10)), ("coverage_text", (v, 0.8))]
            fired += [("list_cases", (v,)), ("dotted_chart", (v, "absolute"))]
        outs = list(self.parallel.map(lambda f: self.call(f[0], *f[1]), fired))
        for out in outs:
            if "map-graph.elements" in out:
                self.elements = [e["data"] for e in out["map-graph.elements"]]
            if out.get("overview-job.data"):
                self.kpi_job = (out["overview-job.data"], self.kpi_began)

    def wait_kpis(self, results: Results) -> None:
        job, began = self.kpi_job
        self.kpi_job = None
        n = 0
        while True:
            time.sleep(0.4)  # the page's poll interval
            out = self.call("poll_kpis", n, job, self.view)
            n += 1
            if out.get("overview-poll.disabled"):
                results.add("overview KPIs ready (new view)", (time.perf_counter() - began) * 1000)
                return

    def act(self) -> str:
        """One action; returns the interaction's name."""
        r = self.random
        filtered = bool(self.view["filters"])
        if self.page != "/map":
            if filtered and r.random() < 0.3:
                return self.pop()
            return self.switch(r.choice([p for p in ("/", "/map", "/variants") if p != self.page]))
        roll = r.random()
        if roll < 0.40:
            steps = [(da, dp) for da in (-0.1, 0, 0.1) for dp in (-0.1, 0, 0.1) if da or dp]
            da, dp = r.choice([s for s in steps if 0 in s])
            self.a = round(min(max(self.a + da, 0.1), 1.0), 2)
            self.p = round(min(max(self.p + dp, 0.1), 1.0), 2)
            out = self.call("draw_map", self.view, self.metric, self.a, self.p, changed=2)
            self.elements = [e["data"] for e in out["map-graph.elements"]]
            return "slider (one step)"
        if roll < 0.47:
            self.metric = "performance" if self.metric == "frequency" else "frequency"
            self.call("draw_map", self.view, self.metric, self.a, self.p, changed=1)
            return "map toggle"
        if roll < 0.72:
            if len(self.view["filters"]) >= 2:
                return self.pop()
            return self.click()
        if roll < 0.80 and filtered:
            return self.pop()
        return self.switch(r.choice(["/", "/variants"]))

    def click(self) -> str:
        items = [e for e in self.elements if e.get("kind") in ("activity", "path")]
        item = self.random.choice(items)
        if item["kind"] == "activity":
            out = self.call("filter_by_activity", item, self.view)
        else:
            out = self.call("filter_by_path", item, self.view, self.a, self.p)
        self.view = out["app-view.data"]
        self.arrive()
        return "filter (click, then the new view)"

    def pop(self) -> str:
        self.view = self.call("edit_filters", 1, None, self.view)["app-view.data"]
        self.arrive()
        return "remove last filter"

    def switch(self, page: str) -> str:
        self.page = page
        self.call("router", page, "")
        self.arrive()
        return "page switch"

    def run(self, results: Results, deadline: float) -> None:
        self.results = results
        try:
            self._run(results, deadline)
        except Exception as exc:
            results.error(f"{self.name}: {type(exc).__name__}: {exc}"[:300])
        finally:
            self.parallel.shutdown()

    def _run(self, results: Results, deadline: float) -> None:
        from dashboard._client import CallbackClient, sign_in

        began = time.perf_counter()
        answer = sign_in(self.http, self.name, PASSWORD)  # type: ignore[arg-type]
        if answer.status_code != 200 or "/login" in answer._response.url:
            raise RuntimeError(f"sign-in refused: HTTP {answer.status_code}")
        self.calls = CallbackClient(self.app, self.http)  # type: ignore[arg-type]
        self.kpi_job = None
        self.call("router", "/map", "")
        self.arrive()
        results.add("first page (sign in + map)", (time.perf_counter() - began) * 1000)
        for _ in range(self.args.actions):
            time.sleep(self.random.uniform(1.0, 3.0))
            if time.monotonic() > deadline:
                return
            self.kpi_began = began = time.perf_counter()
            name = self.act()
            results.add(name, (time.perf_counter() - began) * 1000)
            if self.kpi_job:
                self.wait_kpis(results)


def callback_keys(app: Any) -> dict[str, str]:
    """The callback-map keys the people use, by a short name (from an app on an empty store:
    the keys depend on the layout only)."""
    from dashboard import _shell
    from dashboard._client import CallbackClient
    from dashboard.pages import overview, process_map, variants

    client = CallbackClient(app, app.server.test_client())
    funcs: dict[str, Callable] = {
        "show_filters": _shell.show_filters,
        "edit_filters": _shell.edit_filters,
        "draw_map": process_map.draw_map,
        "map_cases": process_map.count_cases,
        "filter_by_activity": process_map.filter_by_activity,
        "filter_by_path": process_map.filter_by_path,
        "list_logs": overview.list_logs,
        "overview_cases": overview.count_cases,
        "show_kpis": overview.show_kpis,
        "poll_kpis": overview.poll_kpis,
        "show_variants": variants.show_variants,
        "coverage_text": variants.coverage_text,
        "list_cases": variants.list_cases,
        "dotted_chart": variants.dotted_chart,
    }
    keys = {name: client.key(func) for name, func in funcs.items()}
    keys["router"] = ROUTER
    return keys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--actions", type=int, default=40, help="actions per user, at most")
    parser.add_argument("--duration", type=float, default=240, help="seconds of use, at most")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument(
        "--server-args", default="", help="extra options for mejora dashboard (quoted)"
    )
    args = parser.parse_args()

    from dashboard import UserStore
    from dashboard.app import create_app
    from mining import EventStore, read_log
    from sample_logs._generate import write_crm_log

    folder = Path(tempfile.mkdtemp(prefix="mejora-bench-load-"))
    began = time.perf_counter()
    source = write_crm_log(folder / "crm.parquet", args.events, format="parquet")
    with EventStore(folder / "store.duckdb") as store:
        store.save(read_log(source, name="crm"), "crm")
    users = UserStore(folder / "users.json")
    users.add("admin", PASSWORD, role="admin")
    for n in range(args.users):
        users.add(f"user{n:02d}", PASSWORD, role="analyst")
    print(
        f"{args.events:,} events imported, {args.users} users made in "
        f"{time.perf_counter() - began:.1f} s"
    )

    empty = create_app(folder / "empty.duckdb", secret="k" * 64, users_file=folder / "u.json")
    keys = callback_keys(empty)

    server = Server(
        folder, folder / "store.duckdb", folder / "users.json", shlex.split(args.server_args)
    )
    results = Results()
    try:
        server.wait_ready()
        print(f"server on {server.base} (pid {server.process.pid}), log in {server.log.name}")
        deadline = time.monotonic() + args.duration
        people = [Person(n, args, keys, server.base) for n in range(args.users)]
        threads = []
        for person in people:
            person.app = empty
            thread = threading.Thread(target=person.run, args=(results, deadline))
            thread.start()
            threads.append(thread)
            time.sleep(0.25)  # people arrive over a few seconds
        for thread in threads:
            thread.join()
        used = time.monotonic() - (deadline - args.duration)
        idle = server.busy_for()
        requests_sent = sum(p.http.requests for p in people)
        ok = results.report(
            {n for n in results.samples if not n.startswith(("first", "overview KPIs"))}
        )
        print(
            f"\n{args.users} users, {requests_sent:,} requests in {used:.0f} s, "
            f"{len(results.errors)} errors"
        )
        for error in results.errors[:10]:
            print("  error:", error)
        print(f"server peak RSS: {server.peak_rss / 2**30:.2f} GiB")
        print(f"server busy after the last user stopped: {idle:.0f} s")
        print(
            f"target p95 < {TARGET_MS:.0f} ms on the held interactions: "
            f"{'met' if ok and not results.errors else 'NOT met'}"
        )
        return 0 if ok and not results.errors else 1
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
