"""Benchmark: a desk action's time to another browser, with and without Redis.

    python bench/desk_action.py                      # 20 actions per configuration, ~5 minutes
    python bench/desk_action.py --actions 5 --json bench/out/desk_action.json
    python bench/desk_action.py --redis-url redis://127.0.0.1:6379/14    # the default

A desk action (here: reporting an incident from the board's form) is committed by the Dash app;
other screens get it from the live hub in the gateway process over /live. The hub hears of it
from Redis when the app announces its commits (`data_access.notify.CommitAnnouncer`, wired in
`dashboard.app`), and otherwise only at its poll of the log: every 0.25 s without Redis, every
5 s with Redis (`POLL_WITHOUT_REDIS_S`, `POLL_WITH_REDIS_S` in dashboard/gateway/server.py).

Three configurations, each on a fresh data directory with the same seeded demo city
(`python -m dashboard demo --no-simulators`, free ports, GASCC_TILE_URL=none):

- no-redis: REDIS_URL unset; the hubs poll the log every 0.25 s;
- redis-before (the baseline, the behaviour before the announcer): REDIS_URL set, but the app is
  started through bench/desk_action_old_app.py, which replaces `CommitAnnouncer` with a listener
  that does nothing, so the hubs hear of a desk action at their 5 s poll;
- redis: REDIS_URL set, the app as it is, announcing each commit through Redis.

The Redis URL has a database of its own (14 by default); nothing is flushed. Redis pub/sub
channels are not per database, though: other gateways on the same Redis server (other engineers'
tests) publish on the same channel and may wake this run's hub early. The benchmark subscribes to
the channel too and prints how many messages it saw against how many this run's app published.

In each configuration one headless Chromium page (Debian's /usr/bin/chromium, driven by
Playwright) signs in as `duty` and shows the incident board (/incidents) until its live
indicator says live. Another client, the officer at the next desk, takes the action through the
real path: a session of its own with the Dash app (urllib, signed in as `duty` through /login)
posts what the form's "report" button posts, a call of the `submit_form` callback to Dash's
`/_dash-update-component` (the body built from /_dash-dependencies as tests/dash_endpoint.py
does), and the app commits it through `data_access.commands.report_incident` with its own
engine and its own commit listeners. --actions times, each after a random pause (--pause-min plus
up to --pause-spread, 0.6 s plus up to 5 s, so the actions fall at every phase of the 5 s poll).
Why not commit from this process through the command itself: the Redis wake-up is a commit
listener of the app's engine (`create_app`), so a commit through an engine of the benchmark's own
would have to attach the same listener by hand, and would skip the session, Dash and the
callback's guard; the POST is the request a browser sends, so the whole path is timed.

Clocks: the click is time.time() just before the POST, the answer when its response is back
(the commit happened in between). An init script in the page records Date.now() (the same wall
clock) when the new incident's id first arrived in a /live message; when the page sent the Dash
callback request whose answer first held the id (the board's refresh, which the live message's
tick asks for) and when that answer came back; when its row (`#board-list
[data-incident="<id>"]`) was added to the DOM (a MutationObserver); and when a frame was painted
after that (requestAnimationFrame, then the next task): "drawn". Latency = drawn - click; a row
not drawn within --timeout s counts as lost (the board also reloads itself every 30 s whatever
the live channel does). Prints p50/p90/max per configuration, the p50 of each step, and the
ratios redis / no-redis and redis / redis-before (lower is better). Each configuration starts
with an empty board, which grows by one row per action.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dashboard import ids  # noqa: E402
from data_access.notify import CHANNEL  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.dash_endpoint import HttpSession, post_callback  # noqa: E402

OLD_APP = Path(__file__).with_name("desk_action_old_app.py")
DUTY = ("duty", "duty-demo")
POLL_WITH_REDIS_S = 5.0  # the pauses between actions spread over one such poll
IN_WUCHANG = "30.55, 114.31"
REPORT_FORM = {
    f"{ids.FORM_KIND}.value": "leak",
    f"{ids.FORM_SEVERITY}.value": 2,
    f"{ids.FORM_CHANNEL}.value": "hotline_96511",
    f"{ids.FORM_COORDS}.value": IN_WUCHANG,
    f"{ids.FORM_ADDRESS}.value": "武昌区中南路 99 号",
    f"{ids.FORM_DESCRIPTION}.value": "居民报告闻到燃气味",
}

# Injected into the watching page before its own scripts: wall-clock marks per desk incident.
MARKS_JS = r"""
(function () {
  "use strict";
  const marks = { arrived: {}, asked: {}, board: {}, inDom: {}, drawn: {} };
  const DESK_ID = /"(INC-\d{8}-\d{4,})"/g;
  window.__deskAction = marks;

  function mark(text, kinds) {
    if (typeof text !== "string" || text.indexOf('"INC-') < 0) return;
    for (const match of text.matchAll(DESK_ID)) {
      for (const [kind, at] of kinds) {
        if (!(match[1] in marks[kind])) marks[kind][match[1]] = at;
      }
    }
  }

  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => mark(event.data, [["arrived", Date.now()]]));
    }
  };

  /* Dash's callback requests: when the one whose answer first holds an incident was sent
     (asked) and when its answer's headers came back (board). */
  const nativeFetch = window.fetch;
  window.fetch = function (resource, options) {
    const asked = Date.now();
    const answer = nativeFetch.call(this, resource, options);
    const url = String((resource && resource.url) || resource);
    if (url.indexOf("_dash-update-component") < 0) return answer;
    return answer.then(function (response) {
      const back = Date.now();
      response.clone().text().then((text) => mark(text, [["asked", asked], ["board", back]]));
      return response;
    });
  };

  function lookForRows() {
    const list = document.getElementById("board-list");
    if (!list) return;
    const now = Date.now();
    for (const row of list.querySelectorAll("[data-incident]")) {
      const id = row.getAttribute("data-incident");
      if (id in marks.inDom) continue;
      marks.inDom[id] = now;
      requestAnimationFrame(function () {
        setTimeout(function () { marks.drawn[id] = Date.now(); }, 0);
      });
    }
  }
  new MutationObserver(lookForRows).observe(document, { childList: true, subtree: true });
})();
"""


@dataclass(frozen=True)
class Configuration:
    name: str
    label: str
    redis: bool
    announces: bool  # the app publishes its commits to Redis

    def command(self) -> list[str]:
        if self.redis and not self.announces:
            return [sys.executable, str(OLD_APP)]
        return [sys.executable, "-m", "dashboard"]


CONFIGURATIONS = (
    Configuration("no-redis", "no Redis: the hubs poll the log every 0.25 s", False, False),
    Configuration("redis-before", "Redis, app silent (before): the hubs' 5 s poll", True, False),
    Configuration("redis", "Redis, app announces each commit (now)", True, True),
)


@dataclass
class Sample:
    incident_id: str
    clicked: float  # time.time() just before the POST
    answered: float  # its response back
    arrived: float | None = None  # Date.now() in the page, ms: in a /live message
    asked: float | None = None  # the Dash callback request whose answer first held it was sent
    board: float | None = None  # and its answer came back (the board's refresh)
    in_dom: float | None = None  # its row added to the board
    drawn: float | None = None  # and a frame painted after that


@dataclass
class Result:
    name: str
    label: str
    actions: int
    drawn: int
    lost: int
    drawn_p50_ms: float
    drawn_p90_ms: float
    drawn_max_ms: float
    drawn_from_answer_p50_ms: float  # a lower bound: the commit came before the answer
    arrived_p50_ms: float
    arrived_p90_ms: float
    asked_p50_ms: float  # the board's refresh asked for (after the /live message's tick)
    board_p50_ms: float  # and its answer, carrying the row, back in the page
    in_dom_p50_ms: float
    refresh_first_ms: float  # /live arrival -> row in the DOM, p50 of the first five actions,
    refresh_last_ms: float  # and of the last five (the board grows by a row per action)
    answer_p50_ms: float  # the POST's round trip, the acting officer's own wait
    channel_messages: int  # on the Redis channel during the actions, from anyone
    announced: int | None  # of them, what this app should have published (None: no Redis)
    console_errors: int
    demo_exit_code: int
    samples: list[Sample] = field(default_factory=list)


# --- processes ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def child_env(redis_url: str | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GASCC_TILE_URL": "none"}
    env["PYTHONUNBUFFERED"] = "1"
    for name in ("DATABASE_URL", "REDIS_URL", "GASCC_DATA_DIR", "SECRET_KEY"):
        env.pop(name, None)  # the data directory's SQLite file and the demo's own secret key
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def start_demo(
    configuration: Configuration, directory: Path, redis_url: str
) -> tuple[subprocess.Popen, str]:
    """The demo (app and gateway, no simulators) on free ports; returns once both answer."""
    port, gateway_port = free_port(), free_port()
    command = [*configuration.command(), "demo", "--no-simulators"]
    command += ["--data-dir", str(directory / "data"), "--port", str(port)]
    command += ["--gateway-port", str(gateway_port)]
    env = child_env(redis_url if configuration.redis else None)
    log = directory / "demo.log"
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    ready = [f"{base}/login", f"http://127.0.0.1:{gateway_port}/healthz"]
    deadline = time.monotonic() + 120
    while not all(answers(url) for url in ready):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"{configuration.name}: the demo did not start:\n{log.read_text()}")
        time.sleep(0.3)
    return process, base


def stop(process: subprocess.Popen) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


# --- the officer at the next desk -----------------------------------------------------------


class DeskSession(HttpSession):
    """The officer at the next desk: a signed-in HTTP session of its own with the Dash app
    (tests/dash_endpoint.py), pressing buttons as a browser does."""

    def report_incident(self) -> str:
        """Press the form's "report" button; the new incident's id."""
        response = post_callback(self, ids.FORM_SUBMIT, "n_clicks", 1, REPORT_FORM)
        answer = response.get_json()["response"]
        try:
            return answer[ids.FORM_DONE]["data"]
        except KeyError:
            raise SystemExit(f"the report was not taken: {answer}") from None


class ChannelWatch:
    """Counts the messages on the hubs' Redis channel (from any publisher on the server)."""

    def __init__(self, redis_url: str) -> None:
        self.client = redis.Redis.from_url(redis_url)
        self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe(CHANNEL)
        self.messages = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._listen, name="channel-watch", daemon=True)
        self.thread.start()

    def _listen(self) -> None:
        while not self.stopping.is_set():
            if self.pubsub.get_message(timeout=0.2) is not None:
                self.messages += 1

    def __enter__(self) -> ChannelWatch:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stopping.set()
        self.thread.join(5)
        self.pubsub.close()
        self.client.close()


# --- one configuration ----------------------------------------------------------------------


def open_board(browser, base: str):
    """A page signed in as `duty` on the incident board, live; (context, page, console errors)."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    context.add_init_script(script=MARKS_JS)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base}/login")
    page.fill("#username", DUTY[0])
    page.fill("#password", DUTY[1])
    page.click("#login-submit")
    page.wait_for_selector("#live-status", timeout=60_000)
    page.goto(f"{base}/incidents")
    page.wait_for_selector("#live-status[data-state='live']", timeout=60_000)
    page.wait_for_selector("#board-list [data-incident], #board-list .board-empty", timeout=60_000)
    page.wait_for_timeout(1_000)  # let the first loads settle
    return context, page, errors


def take_actions(page, desk: DeskSession, args, rng: random.Random) -> list[Sample]:
    from playwright.sync_api import TimeoutError as NotDrawn

    samples = []
    for _ in range(args.actions):
        pause_s = args.pause_min + rng.uniform(0, args.pause_spread)
        page.wait_for_timeout(1000 * pause_s)
        clicked = time.time()
        incident_id = desk.report_incident()
        samples.append(Sample(incident_id, clicked, time.time()))
        try:
            page.wait_for_function(
                "id => window.__deskAction.drawn[id] !== undefined",
                arg=incident_id,
                timeout=args.timeout * 1000,
            )
        except NotDrawn as error:  # counted as lost
            print(f"{incident_id} not drawn: {str(error).splitlines()[0]}", file=sys.stderr)
    marks = page.evaluate("window.__deskAction")
    for sample in samples:
        sample.arrived = marks["arrived"].get(sample.incident_id)
        sample.asked = marks["asked"].get(sample.incident_id)
        sample.board = marks["board"].get(sample.incident_id)
        sample.in_dom = marks["inDom"].get(sample.incident_id)
        sample.drawn = marks["drawn"].get(sample.incident_id)
    return samples


def run_configuration(configuration: Configuration, browser, args, rng: random.Random) -> Result:
    with tempfile.TemporaryDirectory(prefix="desk-action-") as tmp:
        demo, base = start_demo(configuration, Path(tmp), args.redis_url)
        try:
            context, page, errors = open_board(browser, base)
            desk = DeskSession(base, *DUTY)
            with ChannelWatch(args.redis_url) if configuration.redis else nullcontext() as watch:
                samples = take_actions(page, desk, args, rng)
            channel_messages = watch.messages if watch else 0
            context.close()
        finally:
            exit_code = stop(demo)
    for message in errors[:3]:
        print(f"{configuration.name} console: {message}", file=sys.stderr)
    return summarise(configuration, samples, channel_messages, len(errors), exit_code)


# --- figures --------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summarise(
    configuration: Configuration, samples: list[Sample], messages: int, errors: int, code: int
) -> Result:
    drawn = [s.drawn - s.clicked * 1000 for s in samples if s.drawn is not None]
    from_answer = [s.drawn - s.answered * 1000 for s in samples if s.drawn is not None]
    arrived = [s.arrived - s.clicked * 1000 for s in samples if s.arrived is not None]
    asked = [s.asked - s.clicked * 1000 for s in samples if s.asked is not None]
    board = [s.board - s.clicked * 1000 for s in samples if s.board is not None]
    in_dom = [s.in_dom - s.clicked * 1000 for s in samples if s.in_dom is not None]
    refresh = [s.in_dom - s.arrived for s in samples if s.in_dom and s.arrived]
    answer = [(s.answered - s.clicked) * 1000 for s in samples]
    announced = None  # without Redis there is no channel to count
    if configuration.redis:
        announced = len(samples) if configuration.announces else 0
    return Result(
        name=configuration.name,
        label=configuration.label,
        actions=len(samples),
        drawn=len(drawn),
        lost=len(samples) - len(drawn),
        drawn_p50_ms=percentile(drawn, 50),
        drawn_p90_ms=percentile(drawn, 90),
        drawn_max_ms=max(drawn, default=math.nan),
        drawn_from_answer_p50_ms=percentile(from_answer, 50),
        arrived_p50_ms=percentile(arrived, 50),
        arrived_p90_ms=percentile(arrived, 90),
        asked_p50_ms=percentile(asked, 50),
        board_p50_ms=percentile(board, 50),
        in_dom_p50_ms=percentile(in_dom, 50),
        refresh_first_ms=percentile(refresh[:5], 50),
        refresh_last_ms=percentile(refresh[-5:], 50),
        answer_p50_ms=percentile(answer, 50),
        channel_messages=messages,
        announced=announced,
        console_errors=errors,
        demo_exit_code=code,
        samples=samples,
    )


def ratios(results: dict[str, Result]) -> dict[str, float]:
    now = results.get("redis")
    out = {}
    for baseline in ("no-redis", "redis-before"):
        if now is None or baseline not in results:
            continue
        for q in ("p50", "p90"):
            ours = getattr(now, f"drawn_{q}_ms")
            out[f"redis / {baseline}, {q}"] = ours / getattr(results[baseline], f"drawn_{q}_ms")
    return out


def fmt(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:,.0f}"


def print_report(results: dict[str, Result], found: dict[str, float]) -> None:
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True)
    print(
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{chromium.stdout.strip() or 'Chromium ?'}; load average {os.getloadavg()[0]:.1f}"
    )
    print("milliseconds after the click (p50 unless said); drawn = row on the board, painted")
    print(
        f"{'configuration':<13} {'drawn':>6} {'drawn p50/p90/max':>20} {'POST':>5} "
        f"{'/live p50/p90':>14} {'board asked':>11} {'answered':>8} {'in DOM':>7} "
        f"{'drawn after POST':>16}"
    )
    for r in results.values():
        print(
            f"{r.name:<13} {f'{r.drawn}/{r.actions}':>6} "
            f"{f'{fmt(r.drawn_p50_ms)} / {fmt(r.drawn_p90_ms)} / {fmt(r.drawn_max_ms)}':>20} "
            f"{fmt(r.answer_p50_ms):>5} {f'{fmt(r.arrived_p50_ms)} / {fmt(r.arrived_p90_ms)}':>14} "
            f"{fmt(r.asked_p50_ms):>11} {fmt(r.board_p50_ms):>8} {fmt(r.in_dom_p50_ms):>7} "
            f"{fmt(r.drawn_from_answer_p50_ms):>16}"
        )
    for r in results.values():
        print(
            f"  {r.name}: {r.label}. /live -> row in the DOM, first / last five actions: "
            f"{fmt(r.refresh_first_ms)} / {fmt(r.refresh_last_ms)} ms"
        )
        line = f"console errors {r.console_errors}; demo exit code {r.demo_exit_code}"
        if r.announced is not None:
            line = (
                f"{r.channel_messages} messages on {CHANNEL} ({r.announced} from this app); {line}"
            )
        print(f"    {line}")
    for name, value in found.items():
        print(f"ratio {name}: {value:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actions", type=int, default=20, help="per configuration (20)")
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/14",
        help="for the Redis configurations (a database of its own; nothing is flushed)",
    )
    parser.add_argument(
        "--pause-min",
        type=float,
        default=0.6,
        help="seconds at least between a row drawn and the next action (0.6)",
    )
    parser.add_argument(
        "--pause-spread",
        type=float,
        default=POLL_WITH_REDIS_S,
        help="plus a random share of this many seconds (5: one poll of the hubs with Redis)",
    )
    parser.add_argument("--timeout", type=float, default=40.0, help="s until an action is lost")
    parser.add_argument(
        "--only",
        action="append",
        choices=[c.name for c in CONFIGURATIONS],
        help="run only this configuration (may repeat; default: all three)",
    )
    parser.add_argument("--seed", type=int, default=0, help="of the random pauses")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    rng = random.Random(args.seed)
    chosen = [c for c in CONFIGURATIONS if not args.only or c.name in args.only]
    results: dict[str, Result] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for configuration in chosen:
            print(f"{configuration.name}: {configuration.label} ...", flush=True)
            results[configuration.name] = run_configuration(configuration, browser, args, rng)
        browser.close()
    found = ratios(results)
    print_report(results, found)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        report = {"results": {k: asdict(v) for k, v in results.items()}, "ratios": found}
        report["command"] = "python bench/desk_action.py " + " ".join(sys.argv[1:])
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    healthy = all(r.lost == 0 and r.demo_exit_code == 0 for r in results.values())
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
