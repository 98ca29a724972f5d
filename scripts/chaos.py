#!/usr/bin/env python3
"""The order path under crashes and ambiguous broker faults, end to end (issue #15).

Run through `scripts/chaos`, which builds `algo` and sources `scripts/lib.sh` first. Starts
`algo sim` and `algo serve` as two processes, creates a dozen strategies on different symbols
whose buys and sells fall within about a minute, then SIGKILLs `algo serve` several times while
they trade (starting it again at once with the same environment) and queues ambiguous faults in
the simulator (`timeout`: placed but the answer held past the client's timeout;
`orders_http_500`: order-book lookups fail). Passes when, at the exchange, every strategy's
symbol has exactly one BUY and one SELL, both COMPLETE for the strategy's quantity, and every net
position is zero. Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import base64
import csv
import ctypes
import io
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

IST = timezone(timedelta(hours=5, minutes=30))

STRATEGIES = 12
# Seconds from set-up to the first buy; buys every 3-4 s after it; each sell 25-30 s after its buy
# (a BUY is placed only until half its hold before the sell time, so a takeover after a kill
# must fit in 12-15 s; real holds are minutes to hours, with a full minute of room).
FIRST_BUY_IN = 20
BUY_GAPS = (3, 4)
HOLD = (25, 30)
# Kills every 7-12 s from just before the first buy to just after the last sell.
KILL_GAP = (7.0, 12.0)
MIN_KILL_GAP = 5.0
# How long after the last sell time the exchange may take to settle.
SETTLE_WITHIN = 120
# Once settled, the exchange must stay so (no late duplicate) this long.
CONFIRM_FOR = 5.0
# The whole run, start-up to clean-up, stays under this (the build is not counted).
HARD_LIMIT = 230
# Refuse to start this close to IST midnight: strategies do not cross days.
MIDNIGHT_MARGIN = 330

KITE_HEADERS = {"Authorization": "token sim_key:sim_token", "X-Kite-Version": "3"}

T0 = time.time()


def ist(t: float) -> str:
    return datetime.fromtimestamp(t, IST).strftime("%H:%M:%S.%f")[:-3]


def hms(t: float) -> str:
    return datetime.fromtimestamp(t, IST).strftime("%H:%M:%S")


def log(msg: str) -> None:
    now = time.time()
    print(f"[+{now - T0:6.1f}s {ist(now)} IST] {msg}", flush=True)


def fail_setup(msg: str) -> None:
    raise SetupError(msg)


class SetupError(Exception):
    pass


# ---------------------------------------------------------------- HTTP


def http(method: str, url: str, body=None, headers=None, timeout: float = 5.0):
    """(status or None, parsed JSON or text). None: no answer (refused, reset, timed out)."""
    data = None
    hdrs = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    except (urllib.error.URLError, OSError, TimeoutError) as e:
        return None, str(e)
    text = raw.decode("utf-8", "replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def http_until(deadline: float, method: str, url: str, ok=(200,), **kw):
    """Retries `http` until a status in `ok` or the deadline; returns the last answer."""
    while True:
        status, body = http(method, url, **kw)
        if status in ok or time.time() >= deadline:
            return status, body
        time.sleep(0.3)


# ---------------------------------------------------------------- processes


def _die_with_parent() -> None:
    # PR_SET_PDEATHSIG: the child is SIGKILLed if this script dies without cleaning up.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except Exception:
        pass


class Proc:
    def __init__(self, name: str, argv: list[str], env: dict, log_path: str):
        self.name, self.argv, self.env, self.log_path = name, argv, env, log_path
        self.p: subprocess.Popen | None = None
        self.starts = 0
        self.started_at = 0.0

    def start(self) -> int:
        self.starts += 1
        with open(self.log_path, "a") as f:
            f.write(f"\n===== chaos: start #{self.starts} of {self.name} at {ist(time.time())} IST =====\n")
            f.flush()
            self.p = subprocess.Popen(
                self.argv,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=f,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        self.started_at = time.time()
        return self.p.pid

    def alive(self) -> bool:
        return self.p is not None and self.p.poll() is None

    def kill9(self) -> None:
        if self.p is None:
            return
        try:
            os.kill(self.p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.p.wait()
        with open(self.log_path, "a") as f:
            f.write(f"\n===== chaos: SIGKILL {self.name} pid {self.p.pid} at {ist(time.time())} IST =====\n")

    def stop(self) -> None:
        if self.p is None or self.p.poll() is not None:
            return
        try:
            self.p.terminate()
            self.p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        except ProcessLookupError:
            pass


def free_port(taken: set[int]) -> int:
    for _ in range(200):
        port = 30000 + random.randrange(20000)
        if port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    fail_setup("no free port found")


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def lines_of(path: str) -> list[str]:
    try:
        with open(path, errors="replace") as f:
            return [ANSI.sub("", l) for l in f]
    except OSError as e:
        return [f"(cannot read {path}: {e})\n"]


def squeeze(lines: list[str]) -> list[str]:
    """Runs of "event handed back" lines become one line with their count."""
    out: list[str] = []
    run: list[str] = []

    def flush():
        if len(run) > 2:
            out.append(run[0])
            out.append(f"    ... {len(run) - 2} more 'handed back' lines ...\n")
            out.append(run[-1])
        else:
            out.extend(run)
        run.clear()

    for l in lines:
        if "handed back for another try" in l:
            run.append(l)
        else:
            flush()
            out.append(l)
    flush()
    return out


def tail(path: str, n: int = 60) -> str:
    return "".join(squeeze(lines_of(path))[-n:])


def grep(path: str, needle: str, n: int = 40) -> str:
    hits: list[str] = []
    markers: list[str] = []
    for l in lines_of(path):
        if l.startswith("===== chaos:"):
            markers.append(l)
        elif needle in l:
            # The kill and the start just before, where they separate lines naming it.
            hits.extend(markers[-2:])
            markers.clear()
            hits.append(l)
    return "".join(squeeze(hits)[-n:]) or "(no lines)\n"


# ---------------------------------------------------------------- the run


@dataclass
class Strategy:
    n: int
    symbol: str
    quantity: int
    buy_at: float
    sell_at: float
    sid: str = ""

    @property
    def label(self) -> str:
        return f"S{self.n:02d} {self.symbol}"


@dataclass
class Verdict:
    state: str  # ok | pending | wrong
    why: str
    buys: list = field(default_factory=list)
    sells: list = field(default_factory=list)
    net: int = 0


# Order-log statuses after which the system will not place that leg today.
GAVE_UP = ("MISSED", "FAILED", "REJECTED", "CANCELLED")


def judge(s: Strategy, orders: list, net: dict, legs: list | None = None) -> Verdict:
    """The exchange decides; the API's order log (`legs`) only makes a missing leg final."""
    mine = [o for o in orders if o.get("tradingsymbol") == s.symbol]
    buys = [o for o in mine if o.get("transaction_type") == "BUY"]
    sells = [o for o in mine if o.get("transaction_type") == "SELL"]
    q = net.get(s.symbol, 0)
    v = Verdict("pending", "", buys, sells, q)
    problems = []
    if len(buys) > 1:
        problems.append(f"{len(buys)} BUYs")
    if len(sells) > 1:
        problems.append(f"{len(sells)} SELLs")
    for o in buys + sells:
        st = o.get("status")
        if st in ("REJECTED", "CANCELLED"):
            problems.append(f"{o.get('transaction_type')} {st}")
        elif st == "COMPLETE" and (o.get("filled_quantity") != s.quantity or o.get("quantity") != s.quantity):
            problems.append(
                f"{o.get('transaction_type')} filled {o.get('filled_quantity')}/{o.get('quantity')}, wanted {s.quantity}"
            )
    if buys and sells and len(buys) == 1 and len(sells) == 1:
        if sells[0].get("received_at_us", 0) < buys[0].get("received_at_us", 0):
            problems.append("SELL reached the exchange before the BUY")
    if problems:
        v.state, v.why = "wrong", ", ".join(problems)
        return v
    gave_up = {
        l.get("event"): l for l in (legs or []) if l.get("status") in GAVE_UP and not l.get("broker_order_id")
    }
    if not buys:
        v.why = "no BUY yet"
        if "BUY" in gave_up:
            l = gave_up["BUY"]
            v.state, v.why = "wrong", f"no BUY: the system recorded it {l.get('status')}: {l.get('message')}"
    elif not sells:
        v.why = "no SELL yet"
        for kind in ("SELL", "STOPLOSS"):
            if kind in gave_up and buys[0].get("status") == "COMPLETE":
                l = gave_up[kind]
                v.state, v.why = "wrong", f"no SELL: the system recorded it {l.get('status')}: {l.get('message')}"
    elif buys[0].get("status") != "COMPLETE" or sells[0].get("status") != "COMPLETE":
        v.why = f"BUY {buys[0].get('status')}, SELL {sells[0].get('status')}"
    elif q != 0:
        v.state, v.why = "wrong", f"net position {q} with both legs complete"
    else:
        v.state, v.why = "ok", "one BUY, one SELL, both COMPLETE, net 0"
    return v


def describe_order(o: dict, scheduled: float | None = None) -> str:
    at = o.get("received_at_us")
    when = ist(at / 1e6) if at else "?"
    late = f" ({at / 1e6 - scheduled:+.2f}s vs its time)" if at and scheduled else ""
    return (
        f"{o.get('transaction_type')} {o.get('status')} {o.get('filled_quantity')}/{o.get('quantity')} "
        f"id {o.get('order_id')} tag {o.get('tag')} received {when}{late}"
    )


class Run:
    def __init__(self, args):
        self.args = args
        self.root = os.environ.get("ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        target = os.environ.get("TARGET_DIR") or os.path.join(self.root, "target")
        self.algo = args.algo or os.path.join(target, "release", "algo")
        self.run_id = secrets.token_hex(3)
        run_dir = os.path.join(self.root, ".run")
        os.makedirs(run_dir, exist_ok=True)
        self.sim_log = os.path.join(run_dir, f"chaos-{self.run_id}-sim.log")
        self.serve_log = os.path.join(run_dir, f"chaos-{self.run_id}-serve.log")
        self.db = f"algo_test_chaos_{self.run_id}"
        self.prefix = f"test:chaos{self.run_id}:"
        self.sim: Proc | None = None
        self.serve: Proc | None = None
        self.strategies: list[Strategy] = []
        self.kills: list[tuple[float, str]] = []
        self.faults: list[tuple[float, str]] = []
        self.restarts: list[float] = []  # seconds from a restart until /health answered
        self.unplanned_deaths: list[str] = []
        self.token = ""
        self.legs: dict[str, list] = {}
        self.passed = False

    # ---- set-up

    def check_clock(self) -> None:
        now = datetime.now(IST)
        midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        left = (midnight - now).total_seconds()
        if left < MIDNIGHT_MARGIN:
            print(
                f"chaos: it is {now:%H:%M:%S} IST, {left:.0f} s before midnight; strategies cannot cross "
                f"the IST day, so this run needs {MIDNIGHT_MARGIN} s before it. Run it again after 00:00 IST.",
                file=sys.stderr,
            )
            sys.exit(2)

    def server_url(self, db: str) -> str:
        base = os.environ.get("DATABASE_URL", "postgres://postgres:postgres@127.0.0.1:5432/algo")
        u = urllib.parse.urlsplit(base)
        return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + db, u.query, u.fragment))

    def start_processes(self) -> None:
        if not os.access(self.algo, os.X_OK):
            fail_setup(f"{self.algo} is missing; build it: cargo build --release --locked -p algo-cli")
        taken: set[int] = set()
        self.sim_port = free_port(taken)
        taken.add(self.sim_port)
        self.api_port = free_port(taken)
        self.sim_url = f"http://127.0.0.1:{self.sim_port}"
        self.api = f"http://127.0.0.1:{self.api_port}"
        log(f"logs: {self.sim_log}")
        log(f"      {self.serve_log}")
        self.sim = Proc(
            "algo sim",
            [self.algo, "sim", "--port", str(self.sim_port), "--walk-ms", "0"],
            dict(os.environ),
            self.sim_log,
        )
        self.sim.start()
        status, _ = http_until(time.time() + 20, "GET", f"{self.sim_url}/instruments/NSE", timeout=2)
        if status != 200:
            fail_setup(f"algo sim did not come up on {self.sim_url}:\n{tail(self.sim_log)}")
        log(f"algo sim up on {self.sim_url} (pid {self.sim.p.pid})")

        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.server_url(self.db),
            ALGO_REDIS_PREFIX=self.prefix,
            ALGO_KITE_URL=self.sim_url,
            ALGO_KITE_WS_URL=f"ws://127.0.0.1:{self.sim_port}/ws",
            ALGO_JWT_SECRET=base64.b64encode(os.urandom(48)).decode(),
            ALGO_BROKER_KEY=base64.b64encode(os.urandom(32)).decode(),
            ALGO_KITE_API_KEY="sim_key",
            ALGO_KITE_ACCESS_TOKEN="sim_token",
            ALGO_KITE_TIMEOUT_MS="1500",
            NO_COLOR="1",
        )
        env.pop("ALGO_PORT", None)
        env.pop("ALGO_CALENDAR", None)
        self.serve = Proc(
            "algo serve",
            [self.algo, "serve", "--port", str(self.api_port), "--calendar", "always-open"],
            env,
            self.serve_log,
        )
        self.serve.start()
        status, body = http_until(time.time() + 60, "GET", f"{self.api}/health", timeout=2)
        if status != 200:
            fail_setup(f"algo serve did not become healthy on {self.api} ({status} {body})")
        log(
            f"algo serve up on {self.api} (pid {self.serve.p.pid}), database {self.db}, "
            f"Redis prefix {self.prefix}"
        )

    def bearer(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def must(self, method: str, path: str, body, ok=(200, 201)):
        status, answer = http(method, f"{self.api}{path}", body=body, headers=self.bearer() if self.token else None)
        if status not in ok:
            fail_setup(f"{method} {path} {json.dumps(body)} answered {status}: {answer}")
        return answer

    def create_strategies(self, rng: random.Random) -> None:
        email = f"chaos-{self.run_id}@algo.test"
        answer = self.must("POST", "/auth/register", {"email": email, "password": secrets.token_hex(12)}, ok=(201,))
        self.token = answer["access_token"]
        self.must(
            "POST",
            "/broker/connect",
            {"api_key": "sim_key", "secret_key": "sim_secret", "access_token": "sim_token"},
            ok=(200,),
        )
        status, dump = http("GET", f"{self.sim_url}/instruments/NSE")
        if status != 200 or not isinstance(dump, str):
            fail_setup(f"GET /instruments/NSE answered {status}")
        equities = [
            r["tradingsymbol"]
            for r in csv.DictReader(io.StringIO(dump))
            if r.get("instrument_type") == "EQ" and r.get("segment") == "NSE" and float(r.get("last_price") or 0) > 10
        ]
        if len(equities) < STRATEGIES:
            fail_setup(f"the simulator lists only {len(equities)} NSE equities")
        symbols = rng.sample(equities, STRATEGIES)

        at = float(int(time.time()) + FIRST_BUY_IN)
        for n, symbol in enumerate(symbols, 1):
            if n > 1:
                at += rng.choice(BUY_GAPS)
            s = Strategy(n, symbol, rng.randint(1, 5), at, at + rng.randint(*HOLD))
            answer = self.must(
                "POST",
                "/strategy/create",
                {
                    "symbol": s.symbol,
                    "buy_time": hms(s.buy_at),
                    "sell_time": hms(s.sell_at),
                    "stop_loss": "1.00",
                    "quantity": s.quantity,
                },
                ok=(201,),
            )
            s.sid = answer["strategy_id"]
            self.must("POST", "/strategy/start", {"strategy_id": s.sid}, ok=(200,))
            self.strategies.append(s)
        for s in self.strategies:
            log(f"{s.label:<16} qty {s.quantity}  buy {hms(s.buy_at)}  sell {hms(s.sell_at)} IST  {s.sid}")
        if time.time() > self.strategies[0].buy_at - 8:
            fail_setup("set-up took too long: the first buy is less than 8 s away")

    # ---- the chaos plan

    def instants(self) -> list[tuple[float, str]]:
        out = []
        for s in self.strategies:
            out.append((s.buy_at, f"BUY {s.label}"))
            out.append((s.sell_at, f"SELL {s.label}"))
        return sorted(out)

    def nearest(self, t: float) -> tuple[float, str]:
        return min(self.instants(), key=lambda x: abs(x[0] - t))

    def plan(self, rng: random.Random) -> list[tuple[float, str, dict]]:
        if self.args.calm:
            return []
        inst = self.instants()
        first, last = inst[0][0], inst[-1][0]
        kills: list[float] = []
        t = first - rng.uniform(1.5, 3.0)
        while t <= last + 2.0:
            at, _ = self.nearest(t)
            snapped = at + rng.uniform(-0.7, 0.4)
            if abs(at - t) < 2.5 and rng.random() < 0.7 and (not kills or snapped - kills[-1] >= MIN_KILL_GAP):
                t = snapped
            kills.append(t)
            t += rng.uniform(*KILL_GAP)

        # At least one kill within a second of a BUY and one of a SELL.
        def ensure_near(kind: str) -> None:
            targets = [x for x in inst if x[1].startswith(kind)]
            if any(abs(k - a) <= 1.0 for k in kills for a, _ in targets):
                return
            for i in sorted(range(len(kills)), key=lambda i: min(abs(kills[i] - a) for a, _ in targets)):
                a, _ = min(targets, key=lambda x: abs(x[0] - kills[i]))
                cand = a + rng.uniform(-0.6, 0.3)
                prev_ok = i == 0 or cand - kills[i - 1] >= MIN_KILL_GAP
                next_ok = i == len(kills) - 1 or kills[i + 1] - cand >= MIN_KILL_GAP
                if prev_ok and next_ok:
                    kills[i] = cand
                    return

        ensure_near("BUY")
        ensure_near("SELL")
        actions = [(k, "kill", {}) for k in kills]

        # Faults: placements that time out just before a few instants; lookups that fail just
        # after a few, one of them where a timed-out placement is being looked up by its tag.
        middle = inst[2:-2]
        picks = rng.sample(middle, 3)
        for at, _ in picks:
            actions.append((at - rng.uniform(1.0, 2.0), "fault", {"kind": "timeout", "count": 2, "delay_ms": 3000}))
        lookups = [picks[1][0] + 1.6] + [a for a, _ in rng.sample([x for x in middle if x not in picks], 2)]
        for i, at in enumerate(lookups):
            actions.append((at + (0 if i == 0 else rng.uniform(0.1, 0.8)), "fault", {"kind": "orders_http_500", "count": 3}))
        return sorted(actions, key=lambda a: a[0])

    # ---- chaos

    def kill_serve(self) -> None:
        old = self.serve.p.pid
        t = time.time()
        at, what = self.nearest(t)
        self.serve.kill9()
        new = self.serve.start()
        self.kills.append((t, f"{t - at:+.2f}s vs {what} ({hms(at)})"))
        self.restarting_since = time.time()
        log(f"KILL #{len(self.kills)}: SIGKILL algo serve pid {old}, {t - at:+.2f} s vs {what}; started again as pid {new}")

    def inject(self, fault: dict) -> None:
        t = time.time()
        at, what = self.nearest(t)
        status, answer = http("POST", f"{self.sim_url}/_sim/faults", body=fault)
        desc = json.dumps(fault)
        self.faults.append((t, f"{fault['kind']} x{fault['count']}"))
        log(
            f"FAULT #{len(self.faults)}: {desc}, {t - at:+.2f} s vs {what} -> "
            f"{status} {answer if status != 200 else ''}".rstrip()
        )

    def watch(self) -> None:
        """Between actions: notices a restarted serve answering, or a serve that died by itself."""
        if self.restarting_since is not None:
            status, _ = http("GET", f"{self.api}/health", timeout=0.5)
            if status == 200:
                took = time.time() - self.restarting_since
                self.restarts.append(took)
                log(f"algo serve healthy again {took:.2f} s after the restart")
                self.restarting_since = None
        if not self.serve.alive():
            code = self.serve.p.returncode
            msg = f"algo serve pid {self.serve.p.pid} died by itself (exit {code})"
            self.unplanned_deaths.append(msg)
            log(msg + "; last lines of its log:\n" + tail(self.serve_log, 30))
            self.serve.start()
            self.restarting_since = time.time()

    def exchange(self):
        status, orders = http("GET", f"{self.sim_url}/_sim/orders", timeout=3)
        status2, pos = http("GET", f"{self.sim_url}/portfolio/positions", headers=KITE_HEADERS, timeout=3)
        if status != 200 or status2 != 200:
            return None
        net = {p["tradingsymbol"]: p.get("quantity", 0) for p in pos["data"]["net"]}
        return orders["data"], net

    def api_legs(self, s: Strategy) -> list | None:
        status, body = http("GET", f"{self.api}/strategy/{s.sid}/orders", headers=self.bearer(), timeout=2)
        if status == 200 and isinstance(body, dict):
            self.legs[s.sid] = body.get("orders", [])
        return self.legs.get(s.sid)

    def verdicts(self, ask_api: bool = False):
        got = self.exchange()
        if got is None:
            return None
        orders, net = got
        out = {}
        for s in self.strategies:
            v = judge(s, orders, net, self.legs.get(s.sid))
            # A strategy still short of a leg after its sell time: did the system give it up?
            if ask_api and v.state == "pending" and time.time() > s.sell_at + 2:
                v = judge(s, orders, net, self.api_legs(s))
            out[s.sid] = v
        return out, orders, net

    def run_chaos(self, rng: random.Random) -> None:
        self.restarting_since = None
        actions = self.plan(rng)
        last_sell = max(s.sell_at for s in self.strategies)
        deadline = min(last_sell + SETTLE_WITHIN, T0 + HARD_LIMIT)
        self.last_sell = last_sell
        self.settled_at: float | None = None
        stray_checked = 0.0
        api_checked = 0.0
        span = f"from {ist(actions[0][0])} to {ist(actions[-1][0])} IST" if actions else "(--calm: a baseline)"
        log(
            f"chaos plan: {sum(a[1] == 'kill' for a in actions)} kills, "
            f"{sum(a[1] == 'fault' for a in actions)} faults, {span}; settle deadline {hms(deadline)} IST"
        )
        self.final = None
        while True:
            now = time.time()
            if actions and actions[0][0] <= now:
                _, what, arg = actions.pop(0)
                if what == "kill":
                    self.kill_serve()
                else:
                    self.inject(arg)
                continue
            self.watch()
            if now >= last_sell and now - stray_checked >= 0.5:
                stray_checked = now
                ask = now - api_checked >= 2.0
                if ask:
                    api_checked = now
                v = self.verdicts(ask_api=ask)
                if v is not None:
                    self.final = v
                    states = [x.state for x in v[0].values()]
                    serve_steady = (
                        self.restarting_since is None and now - self.serve.started_at >= CONFIRM_FOR
                    )
                    if all(x == "ok" for x in states):
                        if self.settled_at is None:
                            self.settled_at = now
                            log(f"exchange settled: every strategy has one BUY and one SELL, all net 0 "
                                f"({now - last_sell:.1f} s after the last sell time)")
                        if not actions and serve_steady and now - self.settled_at >= CONFIRM_FOR:
                            break
                    else:
                        if self.settled_at is not None:
                            log("exchange no longer settled: " + "; ".join(
                                f"{s.label}: {v[0][s.sid].why}" for s in self.strategies if v[0][s.sid].state != "ok"))
                        self.settled_at = None
                        if not actions and serve_steady and all(x != "pending" for x in states) and now - last_sell > 15:
                            log("every strategy is settled or definitely wrong; not waiting for the deadline")
                            break
            if now >= deadline:
                log("settle deadline reached")
                break
            nxt = actions[0][0] if actions else now + 0.25
            time.sleep(max(0.02, min(0.25, nxt - time.time())))

    # ---- report

    def report(self) -> bool:
        for s in self.strategies:
            self.api_legs(s)
        self.final = self.verdicts() or self.final
        if self.final is None:
            print("chaos: the simulator did not answer for the final check", flush=True)
            return False
        verdicts, orders, net = self.final
        mine = {s.symbol for s in self.strategies}
        strays = [o for o in orders if o.get("tradingsymbol") not in mine]
        nonzero = {k: q for k, q in net.items() if q != 0}
        elapsed = time.time() - T0
        print("", flush=True)
        print("chaos summary")
        print(f"  run {self.run_id}, seed {self.args.seed}, {elapsed:.0f} s so far")
        print(f"  strategies  {len(self.strategies)}, buys {hms(self.strategies[0].buy_at)}-"
              f"{hms(self.strategies[-1].buy_at)}, last sell {hms(self.last_sell)} IST")
        print(f"  kills       {len(self.kills)}" + "".join(f"\n                {ist(t)} {d}" for t, d in self.kills))
        if self.restarts:
            print(f"  restarts    healthy again after {min(self.restarts):.2f}-{max(self.restarts):.2f} s")
        print(f"  faults      {len(self.faults)}" + "".join(f"\n                {ist(t)} {d}" for t, d in self.faults))
        if self.unplanned_deaths:
            print(f"  unplanned   {len(self.unplanned_deaths)}: " + "; ".join(self.unplanned_deaths))
        if self.settled_at is not None:
            print(f"  settled     {self.settled_at - self.last_sell:.1f} s after the last sell time")
        else:
            print(f"  settled     NO (gave up {time.time() - self.last_sell:.0f} s after the last sell time)")
        print("  orders per strategy (at the exchange):")
        for s in self.strategies:
            v = verdicts[s.sid]
            legs = [describe_order(o, s.buy_at) for o in v.buys] + [describe_order(o, s.sell_at) for o in v.sells]
            log_says = ", ".join(f"{l.get('event')} {l.get('status')}" for l in reversed(self.legs.get(s.sid) or []))
            print(f"    {s.label:<16} qty {s.quantity} {len(v.buys)} BUY {len(v.sells)} SELL net {v.net:<3} "
                  f"{v.state.upper():<7} {v.why}; order log: {log_says or 'empty'}")
            for leg in legs:
                print(f"        {leg}")
        if strays:
            print(f"  orders on symbols of no strategy: {len(strays)}")
            for o in strays:
                print(f"        {o.get('tradingsymbol')} {describe_order(o)}")
        if nonzero:
            print(f"  non-zero net positions: {nonzero}")
        good = [s for s in self.strategies if verdicts[s.sid].state == "ok"]
        bad = [s for s in self.strategies if verdicts[s.sid].state != "ok"]
        if bad:
            print("", flush=True)
            print("wrong strategies, with the exchange's orders and the API's order log:")
            for s in bad:
                v = verdicts[s.sid]
                print(f"--- {s.label} {s.sid}: {v.why}")
                for o in v.buys + v.sells:
                    print("  exchange: " + json.dumps(o, sort_keys=True))
                if not (v.buys or v.sells):
                    print("  exchange: no order on this symbol")
                status, body = http_until(time.time() + 10, "GET", f"{self.api}/strategy/{s.sid}/orders",
                                          headers=self.bearer(), timeout=3)
                for o in (body.get("orders", []) if isinstance(body, dict) else [body]):
                    print(f"  GET /strategy/{{id}}/orders ({status}): " + json.dumps(o, sort_keys=True))
                status, body = http("GET", f"{self.api}/strategy/status/{s.sid}", headers=self.bearer(), timeout=3)
                print(f"  GET /strategy/status/{{id}} ({status}): {json.dumps(body, sort_keys=True)}")
                print(f"  serve log lines naming it:\n" + grep(self.serve_log, s.sid))
            print(f"--- last lines of {self.serve_log}:\n{tail(self.serve_log, 60)}")
        ok = not bad and not strays and not nonzero
        if strays or nonzero:
            print("chaos: the exchange holds orders or positions outside the strategies (see above)")
        print(f"chaos: {len(good)} passed, {len(bad)} failed", flush=True)
        return ok

    # ---- clean-up

    def cleanup(self) -> None:
        for p in (self.serve, self.sim):
            if p is not None:
                p.stop()
        if shutil.which("redis-cli"):
            url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")
            try:
                keys = subprocess.run(
                    ["redis-cli", "-u", url, "--scan", "--pattern", self.prefix + "*"],
                    capture_output=True, text=True, timeout=10,
                ).stdout.split()
                for i in range(0, len(keys), 500):
                    subprocess.run(["redis-cli", "-u", url, "DEL", *keys[i:i + 500]],
                                   capture_output=True, timeout=10)
            except (subprocess.SubprocessError, OSError):
                pass
        if self.passed and shutil.which("psql"):
            try:
                subprocess.run(
                    ["psql", self.server_url("postgres"), "-qAtc", f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)'],
                    capture_output=True, timeout=15,
                )
            except (subprocess.SubprocessError, OSError):
                pass
        elif not self.passed:
            print(f"chaos: kept database {self.db} for inspection (scripts/test drops algo_test_* databases)")
        print(f"chaos: logs {self.sim_log} {self.serve_log}", flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=None, help="seed for symbols, quantities and the chaos plan")
    ap.add_argument("--algo", default=None, help="the algo binary (default: $TARGET_DIR/release/algo)")
    ap.add_argument("--calm", action="store_true", help="no kills and no faults: the same run as a baseline")
    args = ap.parse_args()
    if args.seed is None:
        args.seed = random.randrange(1_000_000)
    rng = random.Random(args.seed)

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    run = Run(args)
    run.check_clock()
    log(f"chaos run {run.run_id}, seed {args.seed}, {run.algo}")
    try:
        run.start_processes()
        run.create_strategies(rng)
        run.run_chaos(rng)
        run.passed = run.report()
    except SetupError as e:
        print(f"chaos: set-up failed: {e}", file=sys.stderr)
        print(f"--- last lines of {run.serve_log}:\n{tail(run.serve_log, 60)}", file=sys.stderr)
        run.passed = False
    except SystemExit as e:
        log(f"interrupted ({e.code}); cleaning up")
        run.passed = False
        raise
    finally:
        run.cleanup()
    print(f"chaos: {'PASS' if run.passed else 'FAIL'} in {time.time() - T0:.0f} s", flush=True)
    return 0 if run.passed else 1


if __name__ == "__main__":
    sys.exit(main())
