#!/usr/bin/env python3
"""Hyphae network lab: real `hyphae daemon` processes in Linux network
namespaces, joined by veth links that can be shaped, made lossy, delayed, cut
and restored. Python 3 standard library only; needs root (CAP_NET_ADMIN and
CAP_SYS_ADMIN) and `ip` (iproute2), `tc` and `nft` (nftables).

    topo = Topology("demo")
    topo.node("a"); topo.node("b")
    topo.link("a", "b", delay_ms=20, rate="10mbit", loss=1)
    with Lab(topo) as lab:          # namespaces, links, daemons; always cleaned up
        lab.wait_connected()
        mid = lab["a"].send(lab["b"].node_id, "hello")
        lab.kill("b"); lab.restart("b"); lab.cut("a", "b"); lab.restore("a", "b")

Everything the lab creates is named `hy-<pid>-<lab>-...` (namespaces) and
`/tmp/hy-lab-<pid>-...` (work directories), so several labs can run at once
and leftovers of a killed run are recognisable: `lab.py cleanup` (also run
automatically whenever a Lab starts) removes those whose owning process is
gone. Nothing is created in the root network namespace, and traffic only ever
flows between namespaces of the same lab (10.77.0.0/16 addresses, one /24 per
link or shared segment).

Links are point-to-point veth pairs between two node namespaces:
  rate   `tc tbf` on both ends (each direction shaped separately)
  loss   nftables `numgen random mod 100 < N drop` on input at both ends
  cut    nftables drop of everything on that interface at both ends (silent)
  down   `ip link set down` on one end (the other sees carrier loss)
  delay  `tc netem` is not available here, so a delayed link goes through a
         user-space UDP relay run by the lab process itself: the relay's
         sockets sit in the namespace of the link's second node, so every
         datagram still crosses the veth (and its tbf/nftables) exactly once
         per direction, and is held `delay_ms` (one way) plus optional uniform
         `jitter_ms`. Each daemon sees its peer at the relay's address, and
         both directions stay consistent, so both sides may dial.
Shared segments (`topo.segment(...)`) put several nodes on a bridge in a
namespace of its own.

`Lab(topo, daemons=False)` builds the same namespaces, links and nftables
without any `hyphae daemon`, for baselines that run their own processes:
`lab.spawn_helper(node, argv)` starts one in a node's namespace (it dies with
the lab, and close() / `lab.py cleanup` stop it). babel_baseline.py runs babeld
that way, and reroute.py measures the delivery gap after a silent cut.

CLI: lab.py cleanup [--all] | list | run SCENARIO [--hold] | soak [...] | idle [...]
            | reroute-babeld [babel_baseline.py options]
"""

import argparse
import atexit
import ctypes
import heapq
import http.client
import json
import os
import random
import re
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
MESH_PORT = 9900
API_PORT = 9901
RELAY_PORT = 7000  # relay sockets use RELAY_PORT (facing the far node) and RELAY_PORT + 1 (local)
PREFIX = "hy-"
TMP_PREFIX = "hy-lab-"
SKIP = 77  # ctest SKIP_RETURN_CODE

_libc = ctypes.CDLL(None, use_errno=True)
_CLONE_NEWNET = 0x40000000
_PR_SET_PDEATHSIG = 1


# ---- small helpers ------------------------------------------------------------------------------

def log(*args):
    print(*args, flush=True)


def run(cmd, input=None, check=True):
    r = subprocess.run(cmd, input=input, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.strip()}"
                           + (f"\ninput:\n{input}" if input else ""))
    return r


def wait_until(predicate, timeout, what, interval=0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def default_binary():
    if os.environ.get("HYPHAE_BINARY"):
        return os.environ["HYPHAE_BINARY"]
    for b in ("build/sanitize", "build/lab", "build/release", "build/dev"):
        p = os.path.join(REPO, b, "src/cli/hyphae")
        if os.path.exists(p):
            return p
    return shutil.which("hyphae") or "hyphae"


def missing_requirements():
    """Why the lab cannot run here, or None."""
    if os.geteuid() != 0:
        return "the lab needs root (network namespaces, veth, tc, nftables)"
    for tool in ("ip", "tc", "nft"):
        if not shutil.which(tool):
            return f"`{tool}` not found (scripts/deps installs iproute2 and nftables)"
    probe = f"{PREFIX}{os.getpid()}-probe"
    r = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if r.returncode != 0:
        return f"cannot create a network namespace: {r.stderr.strip()}"
    try:
        r = run(["ip", "netns", "exec", probe, "nft", "list", "ruleset"], check=False)
        if r.returncode != 0:
            return f"nftables does not work in a namespace: {r.stderr.strip()}"
    finally:
        subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def ns_socket(netns, family=socket.AF_INET, kind=socket.SOCK_STREAM):
    """A socket that lives in network namespace `netns` (only this thread switches, briefly)."""
    with open(f"/run/netns/{netns}", "rb") as target, open("/proc/thread-self/ns/net", "rb") as home:
        if _libc.setns(target.fileno(), _CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns({netns})")
        try:
            return socket.socket(family, kind)
        finally:
            if _libc.setns(home.fileno(), _CLONE_NEWNET) != 0:
                os._exit(70)  # cannot return to our own namespace: never continue in the wrong one


class _NsHTTPConnection(http.client.HTTPConnection):
    def __init__(self, netns, host, port, timeout):
        super().__init__(host, port, timeout=timeout)
        self.netns = netns

    def connect(self):
        self.sock = ns_socket(self.netns)
        self.sock.settimeout(self.timeout)
        self.sock.connect((self.host, self.port))


def rate_bits(rate):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kmg]?)(bit|bps)?", str(rate).lower())
    if not m:
        raise ValueError(f"bad rate {rate!r} (e.g. 10mbit, 512kbit)")
    return float(m.group(1)) * {"": 1, "k": 1e3, "m": 1e6, "g": 1e9}[m.group(2)]


# ---- topology ---------------------------------------------------------------------------------------

class Link:
    def __init__(self, a, b, delay_ms=0.0, jitter_ms=0.0, rate=None, loss=0, dial="both"):
        if dial not in ("both", "a", "b", "none"):
            raise ValueError("dial must be both, a, b or none")
        if not 0 <= loss <= 100:
            raise ValueError("loss is a percentage, 0..100")
        self.a, self.b = a, b
        self.delay_ms, self.jitter_ms, self.rate, self.loss, self.dial = delay_ms, jitter_ms, rate, int(loss), dial
        self.index = None  # set by Topology; the link's subnet is 10.77.<index>.0/24

    @property
    def relayed(self):
        return self.delay_ms > 0 or self.jitter_ms > 0

    def rtt_ms(self):
        return 2 * self.delay_ms


class Segment:
    """A shared L2 segment (bridge): every member can reach every other."""

    def __init__(self, name, members, rate=None, loss=0):
        self.name, self.members, self.rate, self.loss = name, list(members), rate, int(loss)
        self.index = None


class Topology:
    def __init__(self, name):
        self.name = name
        self.nodes = []  # names, in order
        self.links = []
        self.segments = []
        self.expected_rtt = {}  # (a, b) -> configured RTT in ms, for reports

    def node(self, name):
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,15}", name):
            raise ValueError(f"node name {name!r}: lower-case letters, digits, '-', at most 16")
        if name in self.nodes:
            raise ValueError(f"duplicate node {name}")
        self.nodes.append(name)
        return name

    def _next_index(self):
        i = len(self.links) + len(self.segments)
        if i > 255:
            raise ValueError("at most 256 links and segments (one 10.77.X.0/24 each)")
        return i

    def link(self, a, b, **kw):
        for n in (a, b):
            if n not in self.nodes:
                self.node(n)
        if a == b or self.find_link(a, b):
            raise ValueError(f"bad or duplicate link {a}-{b}")
        l = Link(a, b, **kw)
        l.index = self._next_index()
        self.links.append(l)
        self.expected_rtt[(a, b)] = self.expected_rtt[(b, a)] = l.rtt_ms()
        return l

    def segment(self, name, members, **kw):
        for n in members:
            if n not in self.nodes:
                self.node(n)
        s = Segment(name, members, **kw)
        s.index = self._next_index()
        for a in members:
            for b in members:
                if a != b:
                    self.expected_rtt[(a, b)] = 0
        self.segments.append(s)
        return s

    def find_link(self, a, b):
        for l in self.links:
            if {l.a, l.b} == {a, b}:
                return l
        return None

    def neighbours(self, n):
        out = [l.b if l.a == n else l.a for l in self.links if n in (l.a, l.b)]
        for s in self.segments:
            if n in s.members:
                out += [m for m in s.members if m != n]
        return sorted(set(out), key=self.nodes.index)


# ---- scenarios --------------------------------------------------------------------------------------

CITIES = ["sf", "nyc", "lon", "ber", "tyo", "sin", "syd"]
CITY_NAMES = ["San Francisco", "New York", "London", "Berlin", "Tokyo", "Singapore", "Sydney"]
# The seed-000 world's inter-city RTTs in ms (src/sim/topology.cpp, kRttMs).
CITY_RTT_MS = [
    [0, 70, 141, 152, 108, 172, 147],
    [70, 0, 72, 88, 166, 233, 205],
    [141, 72, 0, 16, 232, 168, 262],
    [152, 88, 16, 0, 246, 162, 288],
    [108, 166, 232, 246, 0, 70, 112],
    [172, 233, 168, 162, 70, 0, 92],
    [147, 205, 262, 288, 112, 92, 0],
]


def seven_city(rate="20mbit", delay=True):
    """One namespace per city, a full mesh of links each delayed by half the
    city pair's RTT (the daemons have no multi-hop routing yet, issue 6)."""
    t = Topology("seven-city")
    for c in CITIES:
        t.node(c)
    for i in range(7):
        for j in range(i + 1, 7):
            l = t.link(CITIES[i], CITIES[j], delay_ms=CITY_RTT_MS[i][j] / 2 if delay else 0, rate=rate)
            if not delay:
                t.expected_rtt[(l.a, l.b)] = t.expected_rtt[(l.b, l.a)] = CITY_RTT_MS[i][j]
    return t


def chain(hops=3, delay_ms=0, rate=None):
    """n0 - n1 - ... - n<hops>: `hops` links, ends reachable only through routing."""
    t = Topology(f"chain{hops}")
    for i in range(hops):
        t.link(f"n{i}", f"n{i + 1}", delay_ms=delay_ms, rate=rate)
    return t


def diamond(delay_ms=0, rate=None):
    """src -> {up, down} -> dst: two disjoint two-hop paths (for rerouting)."""
    t = Topology("diamond")
    for a, b in (("src", "up"), ("src", "down"), ("up", "dst"), ("down", "dst")):
        t.link(a, b, delay_ms=delay_ms, rate=rate)
    return t


def full_mesh(n, delay_ms=0, rate=None, name=None):
    t = Topology(name or f"full{n}")
    names = [f"n{i:02d}" for i in range(n)]
    for x in names:
        t.node(x)
    for i in range(n):
        for j in range(i + 1, n):
            t.link(names[i], names[j], delay_ms=delay_ms, rate=rate)
    return t


def random_mesh(n=20, degree=4, seed=0, delay_ms=0, rate=None):
    """A connected random mesh: a random spanning tree plus random chords up to
    about `degree` links per node (seeded, so the same graph every run)."""
    rng = random.Random(seed)
    t = Topology(f"mesh{n}")
    names = [f"n{i:02d}" for i in range(n)]
    for x in names:
        t.node(x)
    order = names[:]
    rng.shuffle(order)
    for i in range(1, n):
        t.link(order[i], order[rng.randrange(i)], delay_ms=delay_ms, rate=rate)
    target = n * degree // 2
    tries = 0
    while len(t.links) < target and tries < 10000:
        tries += 1
        a, b = rng.sample(names, 2)
        if not t.find_link(a, b):
            t.link(a, b, delay_ms=delay_ms, rate=rate)
    return t


SCENARIOS = {
    "seven-city": seven_city,
    "chain": chain,
    "diamond": diamond,
    "mesh20": random_mesh,
    "full": full_mesh,
}


# ---- the user-space delay relay ----------------------------------------------------------------

class DelayRelay(threading.Thread):
    """Holds each datagram for a fixed one-way delay (+ jitter) and forwards it.
    A pair is two sockets x and y: what arrives on x leaves from y to y_dest,
    what arrives on y leaves from x to x_dest."""

    def __init__(self):
        super().__init__(daemon=True, name="delay-relay")
        self.sel = selectors.DefaultSelector()
        self.heap = []
        self.seq = 0
        self.rfd, self.wfd = os.pipe()
        self.sel.register(self.rfd, selectors.EVENT_READ, None)
        self.stopping = False
        self.forwarded = 0
        self.errors = 0
        self.rng = random.Random(1)
        self.socks = []

    def add_pair(self, x, x_dest, y, y_dest, delay_s, jitter_s):
        for s in (x, y):
            s.setblocking(False)
            self.socks.append(s)
        self.sel.register(x, selectors.EVENT_READ, (y, y_dest, delay_s, jitter_s))
        self.sel.register(y, selectors.EVENT_READ, (x, x_dest, delay_s, jitter_s))

    def run(self):
        while not self.stopping:
            now = time.monotonic()
            while self.heap and self.heap[0][0] <= now:
                _, _, out, data, dest = heapq.heappop(self.heap)
                try:
                    out.sendto(data, dest)
                    self.forwarded += 1
                except OSError:
                    self.errors += 1  # link down, no route: the datagram is lost, as on a wire
            timeout = max(0.0, self.heap[0][0] - time.monotonic()) if self.heap else 1.0
            for key, _ in self.sel.select(timeout):
                if key.data is None:
                    os.read(self.rfd, 64)
                    continue
                out, dest, delay, jitter = key.data
                for _ in range(256):
                    try:
                        data = key.fileobj.recv(65535)
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError:
                        self.errors += 1
                        break
                    due = time.monotonic() + delay + (self.rng.uniform(0, jitter) if jitter else 0)
                    self.seq += 1
                    heapq.heappush(self.heap, (due, self.seq, out, data, dest))

    def stop(self):
        self.stopping = True
        os.write(self.wfd, b"x")
        if self.is_alive():
            self.join(timeout=5)
        for s in self.socks:
            s.close()
        os.close(self.rfd)
        os.close(self.wfd)


# ---- nodes ------------------------------------------------------------------------------------------

class Node:
    """One `hyphae daemon` in its own namespace. The admin API listens on the
    namespace's loopback (no token needed); the lab reaches it through a socket
    created inside the namespace."""

    def __init__(self, lab, name):
        self.lab, self.name = lab, name
        self.ns = f"{lab.prefix}{name}"
        self.dir = os.path.join(lab.dir, name)
        os.makedirs(self.dir, exist_ok=True)
        self.peers = []  # "ip:port" this node dials
        self.proc = None
        self.node_id = None
        self.incarnation = 0
        self.started_at = None
        self.killed_at = []  # monotonic times of kill -9
        self.exit_codes = []  # (incarnation, returncode) of graceful stops
        self.rss_samples = []  # (monotonic, incarnation, kB)
        self.stopped = False  # SIGSTOPped

    # configuration and process
    def write_config(self):
        peers = ", ".join(f'"{p}"' for p in self.peers)
        with open(os.path.join(self.dir, "node.toml"), "w") as f:
            f.write(f'identity = "node.key"\nlisten = "0.0.0.0:{MESH_PORT}"\napi = "127.0.0.1:{API_PORT}"\n'
                    f'peers = [{peers}]\ndata_dir = "state"\nnetwork_psk = "{self.lab.psk}"\n'
                    f'log_level = "{self.lab.log_level}"\n')

    def spawn(self):
        """Starts the daemon; does not wait (see wait_ready)."""
        assert self.proc is None or self.proc.poll() is not None, f"{self.name} already running"
        self.incarnation += 1
        logf = open(os.path.join(self.dir, "daemon.log"), "a")
        logf.write(f"=== lab: incarnation {self.incarnation} at {time.strftime('%H:%M:%S')} ===\n")
        logf.flush()
        env = dict(os.environ)
        asan = env.get("ASAN_OPTIONS", "")
        if "quarantine_size_mb" not in asan:  # keep sanitizer RSS bounded with many daemons
            env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + "quarantine_size_mb=16"

        def child():
            _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # die with the lab, even on kill -9
            os.setsid()

        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", self.ns, self.lab.binary, "daemon", "--config",
             os.path.join(self.dir, "node.toml")],
            stdout=subprocess.PIPE, stderr=logf, stdin=subprocess.DEVNULL, preexec_fn=child)
        logf.close()
        self.started_at = time.monotonic()
        self.stopped = False

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        line = b""
        fd = self.proc.stdout.fileno()
        while not line.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                raise AssertionError(f"{self.name} did not start ({line!r}); log:\n{self.log_tail()}")
            sel = selectors.DefaultSelector()
            sel.register(fd, selectors.EVENT_READ)
            if sel.select(min(left, 0.5)):
                chunk = os.read(fd, 1)
                if not chunk:
                    continue
                line += chunk
            sel.close()
        text = line.decode(errors="replace")
        if not text.startswith("hyphae node "):
            raise AssertionError(f"{self.name}: unexpected first line {text!r}; log:\n{self.log_tail()}")
        node_id = text.split()[2]
        if self.node_id and node_id != self.node_id:
            raise AssertionError(f"{self.name} changed identity on restart: {self.node_id} -> {node_id}")
        self.node_id = node_id
        wait_until(lambda: self.healthy(), max(1, deadline - time.monotonic()), f"{self.name} API")
        self.ready_s = time.monotonic() - self.started_at
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def signal(self, sig):
        if self.alive():
            os.kill(self.proc.pid, sig)

    def kill(self):
        """kill -9: no goodbye to peers, no flush."""
        if self.alive():
            self.sample_rss()
            self.signal(signal.SIGCONT)
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            self.killed_at.append(time.monotonic())
        self._close_stdout()

    def stop(self, timeout=20):
        """SIGTERM and wait; records the exit code (sanitizer reports make it non-zero)."""
        if self.alive():
            self.signal(signal.SIGCONT)
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                self.exit_codes.append((self.incarnation, "hung on SIGTERM"))
            else:
                self.exit_codes.append((self.incarnation, self.proc.returncode))
        self._close_stdout()

    def _close_stdout(self):
        if self.proc and self.proc.stdout and not self.proc.stdout.closed:
            self.proc.stdout.close()

    def log_tail(self, lines=40):
        try:
            with open(os.path.join(self.dir, "daemon.log"), errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return "(no log)"

    def sample_rss(self):
        """Resident set size in kB (None if not running)."""
        if not self.alive():
            return None
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        kb = int(line.split()[1])
                        self.rss_samples.append((time.monotonic(), self.incarnation, kb))
                        return kb
        except OSError:
            return None
        return None

    # admin API
    def request(self, method, path, body=None, timeout=5.0):
        conn = _NsHTTPConnection(self.ns, "127.0.0.1", API_PORT, timeout)
        try:
            data = json.dumps(body).encode() if body is not None else None
            conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            raw = r.read()
            try:
                return r.status, json.loads(raw or b"null")
            except ValueError:
                return r.status, raw.decode(errors="replace")
        finally:
            conn.close()

    def get(self, path, timeout=5.0):
        status, body = self.request("GET", path, timeout=timeout)
        if status != 200:
            raise AssertionError(f"{self.name} GET {path}: {status} {body}")
        return body

    def healthy(self):
        try:
            return self.request("GET", "/healthz", timeout=1)[0] == 200
        except OSError:
            return False

    def peers_info(self):
        return self.get("/api/mesh/peers")

    def connected(self):
        return {p["node_id"]: p for p in self.peers_info() if p.get("session", p["state"]) == "connected"}

    def stats(self):
        return self.get("/api/mesh/stats")

    def metrics(self):
        conn = _NsHTTPConnection(self.ns, "127.0.0.1", API_PORT, 5)
        try:
            conn.request("GET", "/metrics")
            return conn.getresponse().read().decode()
        finally:
            conn.close()

    def send(self, to, payload, type="NOTIFICATION", priority="MEDIUM"):
        """POSTs a message; returns its id, or raises with the API's answer."""
        status, body = self.request("POST", "/api/mesh/messages",
                                    {"to": to, "type": type, "priority": priority, "payload": payload})
        if status != 202:
            raise AssertionError(f"{self.name} send: {status} {body}")
        return body["id"]

    def inbox(self, after=0):
        """Every inbox entry after `after` (follows the 1000-per-page limit)."""
        out = []
        while True:
            page = self.get(f"/api/mesh/messages?after={after}")
            out += page
            if len(page) < 1000:
                return out
            after = page[-1]["seq"]


# ---- the lab ----------------------------------------------------------------------------------------

_labs_in_process = 0
_live_labs = []


def _atexit_cleanup():
    for lab in list(_live_labs):
        lab.close()


atexit.register(_atexit_cleanup)


def _sigterm(signum, frame):
    raise SystemExit(128 + signum)  # unwinds `with Lab(...)` so everything is torn down


class Lab:
    def __init__(self, topo, binary=None, psk="", log_level="warn", keep=None, daemons=True):
        """daemons=False builds the namespaces, links and nftables but starts no
        `hyphae daemon` (and needs no binary): for baselines such as babeld that
        run their own processes with `spawn_helper`."""
        global _labs_in_process
        _labs_in_process += 1
        self.topo = topo
        self.binary = os.path.abspath(binary or default_binary())
        self.psk = psk if psk != "random" else os.urandom(32).hex()
        self.log_level = log_level
        self.keep = keep if keep is not None else os.environ.get("HYPHAE_LAB_KEEP") == "1"
        self.prefix = f"{PREFIX}{os.getpid()}-{_labs_in_process}-"
        self.dir = tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{os.getpid()}-{_labs_in_process}-")
        self.namespaces = []
        self.nodes = {}
        self.daemons = daemons
        self.helpers = []  # (node name, Popen, label) started by spawn_helper; stopped in close()
        self.relay = None
        self.cuts = set()  # link indexes cut silently
        self.closed = False
        self.failed = False

    def __getitem__(self, name):
        return self.nodes[name]

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.failed = True
            self.close()
            raise
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and not issubclass(exc_type, (KeyboardInterrupt, SystemExit)):
            self.failed = True
            self.dump_logs()
        self.close()

    # building
    def start(self, wait=True):
        if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
            signal.signal(signal.SIGTERM, _sigterm)
        if self.daemons and not os.path.exists(self.binary):
            raise FileNotFoundError(f"hyphae binary not found: {self.binary} (set HYPHAE_BINARY)")
        cleanup_stale()
        _live_labs.append(self)
        t0 = time.monotonic()
        for name in self.topo.nodes:
            self.nodes[name] = Node(self, name)
            self._add_ns(self.nodes[name].ns)
        self._build_links()
        self._render_all_nft()
        self.setup_s = time.monotonic() - t0
        t1 = time.monotonic()
        if self.daemons:
            for n in self.nodes.values():
                n.write_config()
            for n in self.nodes.values():
                n.spawn()
            for n in self.nodes.values():
                n.wait_ready()
        self.start_s = time.monotonic() - t1
        return self

    def spawn_helper(self, name, argv, log_path=None, label=None):
        """Starts `argv` in node `name`'s namespace (`ip netns exec`), in its own
        session, with PR_SET_PDEATHSIG so it dies with the lab even on kill -9.
        stdout and stderr go to `log_path` (default: <node dir>/<label>.log).
        close() stops it (SIGTERM, then SIGKILL); deleting the namespace kills
        anything left in it, and `lab.py cleanup` does the same for dead labs."""
        node = self.nodes[name]
        label = label or os.path.basename(argv[0])
        log_path = log_path or os.path.join(node.dir, f"{label}.log")
        logf = open(log_path, "a")

        def child():
            _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
            os.setsid()

        try:
            p = subprocess.Popen(["ip", "netns", "exec", node.ns] + list(argv), stdout=logf, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, preexec_fn=child)
        finally:
            logf.close()
        self.helpers.append((name, p, label))
        return p

    def stop_helpers(self, timeout=5.0):
        """SIGTERM every helper process, SIGKILL those still alive after `timeout`."""
        for _, p, _ in self.helpers:
            if p.poll() is None:
                try:
                    p.send_signal(signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + timeout
        for _, p, _ in self.helpers:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.helpers = []

    def iface(self, node, other):
        """The interface name, in `node`'s namespace, of the link node-other."""
        return f"l{self._link(node, other).index}"

    def link_addr(self, node, other):
        """`node`'s IPv4 address on the link node-other."""
        l = self._link(node, other)
        return self._addr(l.index, 1 if node == l.a else 2)

    def ns_of(self, name):
        return self.nodes[name].ns

    def _add_ns(self, ns):
        run(["ip", "netns", "add", ns])
        self.namespaces.append(ns)
        run(["ip", "-n", ns, "link", "set", "lo", "up"])

    def _addr(self, index, host):
        return f"10.77.{index}.{host}"

    def _build_links(self):
        create = {}  # ns -> batch lines creating veths (run first)
        conf = {}  # ns -> batch lines configuring addresses, qdiscs
        for l in self.topo.links:
            na, nb = self.nodes[l.a], self.nodes[l.b]
            dev = f"l{l.index}"
            create.setdefault(na.ns, []).append(f"link add {dev} type veth peer name {dev} netns {nb.ns}")
            for node, host in ((na, 1), (nb, 2)):
                c = conf.setdefault(node.ns, [])
                c.append(f"addr add {self._addr(l.index, host)}/24 dev {dev}")
                c.append(f"link set {dev} up")
        for s in self.topo.segments:
            sns = f"{self.prefix}seg-{s.name}"
            self._add_ns(sns)
            conf.setdefault(sns, []).extend(["link add br0 type bridge", "link set br0 up"])
            for i, m in enumerate(s.members):
                node = self.nodes[m]
                dev = f"s{s.index}"
                create.setdefault(node.ns, []).append(f"link add {dev} type veth peer name p{i} netns {sns}")
                conf[sns] += [f"link set p{i} master br0", f"link set p{i} up"]
                c = conf.setdefault(node.ns, [])
                c += [f"addr add {self._addr(s.index, i + 1)}/24 dev {dev}", f"link set {dev} up"]
        for ns, lines in create.items():
            run(["ip", "-n", ns, "-batch", "-"], input="\n".join(lines) + "\n")
        for ns, lines in conf.items():
            run(["ip", "-n", ns, "-batch", "-"], input="\n".join(lines) + "\n")
        # rate limits (tc has no -n in every version: use ip netns exec)
        for l in self.topo.links:
            if l.rate:
                for n in (l.a, l.b):
                    self._tbf(self.nodes[n].ns, f"l{l.index}", l.rate)
        for s in self.topo.segments:
            if s.rate:
                for m in s.members:
                    self._tbf(self.nodes[m].ns, f"s{s.index}", s.rate)
        # who dials whom, and delay relays
        for l in self.topo.links:
            na, nb = self.nodes[l.a], self.nodes[l.b]
            if l.relayed:
                if self.relay is None:
                    self.relay = DelayRelay()
                x = ns_socket(nb.ns, socket.AF_INET, socket.SOCK_DGRAM)  # faces a, across the veth
                x.bind((self._addr(l.index, 2), RELAY_PORT))
                y = ns_socket(nb.ns, socket.AF_INET, socket.SOCK_DGRAM)  # faces b, inside b's namespace
                y.bind((self._addr(l.index, 2), RELAY_PORT + 1))
                self.relay.add_pair(x, (self._addr(l.index, 1), MESH_PORT),
                                    y, (self._addr(l.index, 2), MESH_PORT),
                                    l.delay_ms / 1000.0, l.jitter_ms / 1000.0)
                b_as_seen_by_a = f"{self._addr(l.index, 2)}:{RELAY_PORT}"
                a_as_seen_by_b = f"{self._addr(l.index, 2)}:{RELAY_PORT + 1}"
            else:
                b_as_seen_by_a = f"{self._addr(l.index, 2)}:{MESH_PORT}"
                a_as_seen_by_b = f"{self._addr(l.index, 1)}:{MESH_PORT}"
            if l.dial in ("both", "a"):
                na.peers.append(b_as_seen_by_a)
            if l.dial in ("both", "b"):
                nb.peers.append(a_as_seen_by_b)
        for s in self.topo.segments:
            for i, m in enumerate(s.members):
                for j, other in enumerate(s.members):
                    if i != j:
                        self.nodes[m].peers.append(f"{self._addr(s.index, j + 1)}:{MESH_PORT}")
        if self.relay:
            self.relay.start()

    def _tbf(self, ns, dev, rate):
        bits = rate_bits(rate)
        burst = max(1600, int(bits / 8 / 250))  # 4 ms worth of bytes, at least one packet
        run(["ip", "netns", "exec", ns, "tc", "qdisc", "replace", "dev", dev, "root", "tbf",
             "rate", str(int(bits)), "burst", str(burst), "latency", "100ms"])

    def set_rate(self, a, b, rate):
        l = self._link(a, b)
        l.rate = rate
        for n in (l.a, l.b):
            if rate:
                self._tbf(self.nodes[n].ns, f"l{l.index}", rate)
            else:
                run(["ip", "netns", "exec", self.nodes[n].ns, "tc", "qdisc", "del", "dev", f"l{l.index}", "root"],
                    check=False)

    # nftables: one table per node namespace, re-rendered atomically on every change
    def _render_nft(self, node):
        inp, out = [], []
        # This node's interfaces: its veth ends (l<k>) and bridge ports (s<k>).
        attached = [(f"l{l.index}", l) for l in self.topo.links if node in (l.a, l.b)]
        attached += [(f"s{s.index}", s) for s in self.topo.segments if node in s.members]
        for dev, wire in attached:
            if wire.index in self.cuts:
                inp.append(f'iifname "{dev}" drop')
                out.append(f'oifname "{dev}" drop')
            elif wire.loss:
                inp.append(f'iifname "{dev}" numgen random mod 100 < {wire.loss} drop')
        rules = "table inet hylab {}\ndelete table inet hylab\ntable inet hylab {\n"
        rules += "  chain input { type filter hook input priority 0; policy accept;\n"
        rules += "".join(f"    {r}\n" for r in inp) + "  }\n"
        rules += "  chain output { type filter hook output priority 0; policy accept;\n"
        rules += "".join(f"    {r}\n" for r in out) + "  }\n}\n"
        run(["ip", "netns", "exec", self.nodes[node].ns, "nft", "-f", "-"], input=rules)

    def _render_all_nft(self):
        for n in self.topo.nodes:
            self._render_nft(n)

    def _link(self, a, b):
        l = self.topo.find_link(a, b)
        if l is None:
            raise KeyError(f"no link {a}-{b}")
        return l

    # faults
    def cut(self, a, b):
        """Silently drop everything on link a-b, both directions, at both ends."""
        l = self._link(a, b)
        self.cuts.add(l.index)
        self._render_nft(l.a)
        self._render_nft(l.b)

    def restore(self, a, b):
        l = self._link(a, b)
        self.cuts.discard(l.index)
        self._render_nft(l.a)
        self._render_nft(l.b)

    def partition(self, group):
        """Cuts every link between `group` and the rest; returns the cut pairs."""
        group = set(group)
        pairs = [(l.a, l.b) for l in self.topo.links if (l.a in group) != (l.b in group)]
        for a, b in pairs:
            self.cut(a, b)
        return pairs

    def heal(self):
        for l in self.topo.links:
            if l.index in self.cuts:
                self.restore(l.a, l.b)

    def set_loss(self, a, b, percent):
        l = self._link(a, b)
        l.loss = int(percent)
        self._render_nft(l.a)
        self._render_nft(l.b)

    def link_down(self, a, b, at=None):
        l = self._link(a, b)
        run(["ip", "-n", self.nodes[at or l.a].ns, "link", "set", f"l{l.index}", "down"])

    def link_up(self, a, b, at=None):
        l = self._link(a, b)
        run(["ip", "-n", self.nodes[at or l.a].ns, "link", "set", f"l{l.index}", "up"])

    def kill(self, name):
        self.nodes[name].kill()

    def restart(self, name, wait=True):
        n = self.nodes[name]
        if n.alive():
            n.stop()
        n.spawn()
        if wait:
            n.wait_ready()
        return n

    def pause(self, name):
        self.nodes[name].signal(signal.SIGSTOP)
        self.nodes[name].stopped = True

    def resume(self, name):
        self.nodes[name].signal(signal.SIGCONT)
        self.nodes[name].stopped = False

    # observation
    def wait_connected(self, timeout=60, nodes=None):
        """Until every node (alive, not paused) has a connected session with each
        of its topology neighbours that is alive too."""
        names = nodes or list(self.nodes)

        def missing():
            out = []
            for n in names:
                node = self.nodes[n]
                if not node.alive() or node.stopped:
                    continue
                try:
                    have = node.connected()
                except OSError:
                    out.append((n, "api"))
                    continue
                for m in self.topo.neighbours(n):
                    other = self.nodes[m]
                    if other.alive() and not other.stopped and other.node_id not in have:
                        out.append((n, m))
            return out

        last = []

        def ok():
            nonlocal last
            last = missing()
            return not last

        try:
            wait_until(ok, timeout, "sessions with every neighbour", interval=0.25)
        except AssertionError as e:
            raise AssertionError(f"{e}; missing (node, neighbour): {last[:20]}") from None

    def rtt_matrix(self):
        """{(a, b): rtt_ms seen by a for its session with b, or None}."""
        by_id = {n.node_id: name for name, n in self.nodes.items()}
        out = {}
        for name, n in self.nodes.items():
            for p in n.peers_info():
                if p.get("session", p["state"]) == "connected" and p["node_id"] in by_id:
                    out[(name, by_id[p["node_id"]])] = p["rtt_ms"]
        return out

    def rss(self):
        return {name: n.sample_rss() for name, n in self.nodes.items()}

    def snapshot(self, dest=None):
        """Writes each node's peers, stats and /metrics (and copies its log) under
        `dest` (default: the work directory, snapshot-<time>/); returns the path."""
        dest = dest or os.path.join(self.dir, f"snapshot-{time.strftime('%H%M%S')}")
        for name, n in self.nodes.items():
            d = os.path.join(dest, name)
            os.makedirs(d, exist_ok=True)
            shutil.copy(os.path.join(n.dir, "daemon.log"), d) if os.path.exists(
                os.path.join(n.dir, "daemon.log")) else None
            if not n.alive() or n.stopped:
                continue
            try:
                for what, get in (("peers.json", n.peers_info), ("stats.json", n.stats)):
                    with open(os.path.join(d, what), "w") as f:
                        json.dump(get(), f, indent=1)
                with open(os.path.join(d, "metrics.txt"), "w") as f:
                    f.write(n.metrics())
            except OSError as e:
                log(f"lab: snapshot of {name}: {e}")
        return dest

    def dump_logs(self, lines=30):
        for name, n in self.nodes.items():
            log(f"--- {name} ({n.ns}) log tail ---\n{n.log_tail(lines)}")
        log(f"--- lab work directory: {self.dir}" + (" (kept)" if self.keep or self.failed else ""))

    def close(self):
        """Stops every daemon, the relay, and deletes every namespace. Idempotent."""
        if self.closed:
            return
        self.closed = True
        try:
            self.stop_helpers()
        except Exception as e:  # keep tearing down; deleting the namespaces kills what is left
            log(f"lab: stopping helper processes: {e}")
        for n in self.nodes.values():
            try:
                n.stop(timeout=10)
            except Exception as e:  # keep tearing down
                log(f"lab: stopping {n.name}: {e}")
        if self.relay:
            self.relay.stop()
        for ns in self.namespaces:
            _delete_ns(ns)
        if self in _live_labs:
            _live_labs.remove(self)
        if not (self.keep or self.failed):
            shutil.rmtree(self.dir, ignore_errors=True)

    def check_clean_exits(self):
        """Every graceful stop exited 0 (a sanitizer or leak report makes it non-zero)."""
        bad = [(name, inc, rc) for name, n in self.nodes.items() for inc, rc in n.exit_codes if rc != 0]
        if bad:
            for name, _, _ in bad:
                log(f"--- {name} log tail ---\n{self.nodes[name].log_tail(60)}")
            raise AssertionError(f"daemons exited uncleanly (name, incarnation, code): {bad}")


# ---- cleanup of leftovers ------------------------------------------------------------------------

def _delete_ns(ns):
    r = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True)
    for pid in r.stdout.split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def _owner_alive(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"python" in f.read()  # a live lab is a Python process; a reused pid is not
    except OSError:
        return False


def lab_namespaces():
    r = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    out = []
    for line in r.stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        m = re.match(rf"{re.escape(PREFIX)}(\d+)-", name)
        if m:
            out.append((name, int(m.group(1))))
    return out


def cleanup_stale(all=False, verbose=False):
    """Removes namespaces (and the processes in them) and work directories left
    by labs whose process is gone; with all=True, every lab's except our own.
    Returns what was removed."""
    removed = []
    me = os.getpid()
    for ns, pid in lab_namespaces():
        if pid == me or (not all and _owner_alive(pid)):
            continue
        _delete_ns(ns)
        removed.append(ns)
    tmp = tempfile.gettempdir()
    for d in os.listdir(tmp):
        m = re.match(rf"{re.escape(TMP_PREFIX)}(\d+)-", d)
        if m and int(m.group(1)) != me and (all or not _owner_alive(int(m.group(1)))):
            shutil.rmtree(os.path.join(tmp, d), ignore_errors=True)
            removed.append(os.path.join(tmp, d))
    if verbose:
        for r in removed:
            log(f"removed {r}")
        log(f"lab cleanup: removed {len(removed)} leftovers")
    return removed


# ---- reports --------------------------------------------------------------------------------------

def format_rtt_table(lab, order=None):
    order = order or list(lab.nodes)
    measured = lab.rtt_matrix()
    width = max(7, max(len(n) for n in order) + 1)
    lines = ["RTT ms, measured through the mesh (peer rtt_ms) / configured:",
             " " * width + "".join(f"{n:>{12}}" for n in order)]
    for a in order:
        row = f"{a:<{width}}"
        for b in order:
            if a == b:
                row += f"{'-':>12}"
                continue
            m = measured.get((a, b))
            c = lab.topo.expected_rtt.get((a, b))
            if m is None and c is None:
                row += f"{'.':>12}"  # not neighbours
                continue
            ms = "?" if m is None else f"{m:.0f}"
            cs = "?" if c is None else f"{c:.0f}"
            row += f"{ms + '/' + cs:>12}"
        lines.append(row)
    return "\n".join(lines)


# ---- soak: continuous messaging under random faults ----------------------------------------------

def soak(nodes=20, seconds=300, rate=20.0, fault_every=6.0, seed=None, binary=None, out=log,
         max_down=8.0, rss_limit_kb=None):
    """A full mesh of `nodes` daemons; `rate` messages a second between random
    pairs; every `fault_every` seconds a random fault (kill -9 + restart,
    silent link cut, link down, SIGSTOP) lasting at most `max_down` seconds.
    Then heal everything and check that no message is delivered twice and
    every message that got a 202 is delivered, unless its sender was killed
    within its 30 s deadline (no durable outbox yet, issue 7). Returns a dict
    of results; raises AssertionError on a violation."""
    seed = seed if seed is not None else int(time.time())
    rng = random.Random(seed)
    out(f"soak: {nodes} nodes, {seconds:.0f}s, {rate}/s messages, a fault every {fault_every}s, seed {seed}")
    topo = full_mesh(nodes, name=f"soak{nodes}")
    results = {"nodes": nodes, "seconds": seconds, "seed": seed}
    with Lab(topo, binary=binary) as lab:
        out(f"soak: namespaces and {len(topo.links)} links in {lab.setup_s:.1f}s, daemons ready in {lab.start_s:.1f}s")
        t0 = time.monotonic()
        lab.wait_connected(timeout=120)
        results["mesh_formed_s"] = round(time.monotonic() - t0, 1)
        out(f"soak: full mesh formed in {results['mesh_formed_s']}s")
        names = list(lab.nodes)
        lab.rss()
        next_rss = time.monotonic() + 5
        kinds = []
        sent = []  # dicts: sender, to, id, payload, t
        refused = 0
        faults = []  # (t, kind, target)
        active = []  # (end_time, undo)
        counter = 0
        start = time.monotonic()
        next_msg = start
        next_fault = start + fault_every / 2
        while time.monotonic() - start < seconds:
            now = time.monotonic()
            for item in [a for a in active if a[0] <= now]:
                active.remove(item)
                item[1]()
            if now >= next_rss:
                next_rss = now + 5
                lab.rss()
            if now >= next_fault:
                next_fault = now + fault_every * rng.uniform(0.5, 1.5)
                busy = {t for _, _, t in active}
                if not kinds:  # every kind in turn, in a random order
                    kinds = ["kill", "cut", "down", "pause", "kill", "cut"]
                    rng.shuffle(kinds)
                kind = kinds.pop()
                dur = rng.uniform(1.0, max_down)
                if kind in ("kill", "pause"):
                    cand = [n for n in names if n not in busy and lab[n].alive() and not lab[n].stopped]
                    if cand:
                        n = rng.choice(cand)
                        if kind == "kill":
                            lab.kill(n)
                            active.append((now + dur, lambda n=n: lab.restart(n, wait=False), n))
                        else:
                            lab.pause(n)
                            active.append((now + dur, lambda n=n: lab.resume(n), n))
                        faults.append((round(now - start, 1), kind, n))
                else:
                    l = rng.choice(topo.links)
                    key = f"{l.a}-{l.b}"
                    if key not in busy:
                        if kind == "cut":
                            lab.cut(l.a, l.b)
                            active.append((now + dur, lambda l=l: lab.restore(l.a, l.b), key))
                        else:
                            lab.link_down(l.a, l.b)
                            active.append((now + dur, lambda l=l: lab.link_up(l.a, l.b), key))
                        faults.append((round(now - start, 1), kind, key))
            if now >= next_msg:
                next_msg += 1.0 / rate
                a, b = rng.sample(names, 2)
                src, dst = lab[a], lab[b]
                if src.alive() and not src.stopped and src.is_ready():
                    counter += 1
                    payload = f"soak {a}->{b} #{counter}"
                    try:
                        status, body = src.request("POST", "/api/mesh/messages",
                                                   {"to": dst.node_id, "payload": payload, "priority": "HIGH",
                                                    "type": "TASK"}, timeout=2)
                    except OSError:
                        status, body = None, None
                    if status == 202:
                        sent.append({"from": a, "to": b, "id": body["id"], "payload": payload,
                                     "t": time.monotonic(), "inc": src.incarnation})
                    else:
                        refused += 1
            time.sleep(max(0.0, min(next_msg, next_fault) - time.monotonic()))
        lab.rss()  # the last RSS sample: before healing and reading inboxes (a page of JSON is not a leak)
        # heal: undo every active fault, restart every dead node
        for _, undo, _ in active:
            undo()
        lab.heal()
        for n in names:
            if not lab[n].alive():
                lab.restart(n, wait=False)
        for n in names:
            lab[n].ensure_ready()
        end_traffic = time.monotonic()
        out(f"soak: traffic over: {len(sent)} accepted (202), {refused} refused or unreachable API; "
            f"{len(faults)} faults: " + ", ".join(f"{k}" for k in sorted({f[1] for f in faults})))
        lab.wait_connected(timeout=90)

        def eligible(m):
            s = lab[m["from"]]
            return not any(m["t"] <= k <= m["t"] + 30.0 for k in s.killed_at)

        expected = [m for m in sent if eligible(m)]
        by_payload = {m["payload"]: m for m in sent}

        def collect():
            got = {}
            dups = []
            for name in names:
                for e in lab[name].inbox():
                    p = e.get("payload")
                    if p in got:
                        dups.append((name, p))
                    got[p] = (name, e)
            return got, dups

        state = {}

        def all_delivered():
            got, dups = collect()
            state["got"], state["dups"] = got, dups
            state["missing"] = [m for m in expected if m["payload"] not in got]
            return not state["missing"] or dups

        try:
            wait_until(all_delivered, 45, "every eligible message delivered", interval=1.0)
        except AssertionError:
            pass
        got, dups, missing = state["got"], state["dups"], state["missing"]
        wrong = [(p, r[0]) for p, r in got.items() if p in by_payload and by_payload[p]["to"] != r[0]]
        ids_seen = {}
        for p, (name, e) in got.items():
            ids_seen.setdefault((name, e.get("from"), e.get("id")), []).append(p)
        id_dups = {k: v for k, v in ids_seen.items() if len(v) > 1}
        growth = rss_report(lab)
        results.update({
            "sent": len(sent), "refused": refused, "faults": len(faults),
            "eligible": len(expected), "delivered": sum(1 for m in sent if m["payload"] in got),
            "missing": len(missing), "duplicates": len(dups) + len(id_dups), "misdelivered": len(wrong),
            "settle_s": round(time.monotonic() - end_traffic, 1),
            "rss_kb": growth,
        })
        out("soak: faults (t s, kind, target): " + "; ".join(f"{t} {k} {x}" for t, k, x in faults))
        out(f"soak: {results['eligible']} messages eligible (sender not killed within 30 s), "
            f"{results['delivered']} of {len(sent)} delivered, {len(missing)} eligible missing, "
            f"{results['duplicates']} duplicates, {len(wrong)} misdelivered")
        out("soak: RSS per process, kB, sampled every 5 s until traffic ends "
            "(first sample of its last incarnation, middle, last; * = restarted):")
        for n, g in growth.items():
            out(f"  {n}{'*' if g['incarnation'] > 1 else ' '} {g['first']:>8} {g['mid']:>8} {g['end']:>8}  "
                f"total {g['end'] - g['first']:+7d} kB, second half {g['end'] - g['mid']:+7d} kB "
                f"over {g['span_s']:.0f}s")
        total = [g["end"] - g["first"] for g in growth.values()]
        half = [g["end"] - g["mid"] for g in growth.values()]
        results["rss_growth_kb_max"] = max(total)
        results["rss_growth_second_half_kb_max"] = max(half)
        out(f"soak: RSS growth max {max(total):+d} kB, in the second half max {max(half):+d} kB")
        for m in missing[:10]:
            out(f"  missing: {m}")
        for d in dups[:10]:
            out(f"  duplicate: {d}")
        lab_stats = {n: lab[n].stats() for n in names}
        results["retransmitted"] = sum(s["messages_retransmitted"] for s in lab_stats.values())
        results["failed_since_restart"] = sum(s["messages_failed"] for s in lab_stats.values())
        for n in names:
            lab[n].stop()
        lab.check_clean_exits()
        if missing or dups or id_dups or wrong:
            lab.failed = True
            raise AssertionError(f"soak: {len(missing)} missing, {len(dups) + len(id_dups)} duplicated, "
                                 f"{len(wrong)} misdelivered (seed {seed})")
        if rss_limit_kb is not None:
            big = {n: g for n, g in growth.items() if g["end"] - g["first"] > rss_limit_kb}
            if big:
                raise AssertionError(f"soak: RSS grew more than {rss_limit_kb} kB: {big}")
    return results


def rss_report(lab):
    """Per node, over its current incarnation's samples: first, middle, last RSS (kB)."""
    out = {}
    for name, node in lab.nodes.items():
        samples = [(t, kb) for t, inc, kb in node.rss_samples if inc == node.incarnation]
        if not samples:
            continue
        (t0, first), (t1, end) = samples[0], samples[-1]
        mid = min(samples, key=lambda s: abs(s[0] - (t0 + t1) / 2))[1]
        out[name] = {"first": first, "mid": mid, "end": end, "incarnation": node.incarnation,
                     "span_s": round(t1 - t0, 1)}
    return out


# Readiness of restarted daemons without blocking the soak loop.
def _is_ready(self):
    if getattr(self, "_ready_inc", 0) == self.incarnation:
        return True
    if self.healthy():
        self._ready_inc = self.incarnation
        return True
    return False


def _ensure_ready(self):
    if getattr(self, "_ready_inc", 0) != self.incarnation and self.alive():
        self.wait_ready()
    self._ready_inc = self.incarnation


Node.is_ready = _is_ready
Node.ensure_ready = _ensure_ready


# ---- idle: start-up time and memory of idle nodes -------------------------------------------------

def idle(nodes=10, settle=10.0, binary=None, out=log):
    """Starts a full mesh of idle nodes and reports start-up and mesh-forming
    time and RSS per idle node (for bench/run)."""
    with Lab(full_mesh(nodes, name=f"idle{nodes}"), binary=binary) as lab:
        ready = [n.ready_s for n in lab.nodes.values()]
        t0 = time.monotonic()
        lab.wait_connected(timeout=120)
        formed = time.monotonic() - t0
        time.sleep(settle)
        rss = [kb for kb in lab.rss().values() if kb]
        r = {"nodes": nodes, "binary": lab.binary, "ready_s_max": round(max(ready), 3),
             "ready_s_mean": round(sum(ready) / len(ready), 3), "mesh_formed_s": round(formed, 2),
             "rss_kb_mean": int(sum(rss) / len(rss)), "rss_kb_max": max(rss)}
        out(json.dumps(r))
        return r


# ---- test runner -----------------------------------------------------------------------------------

def run_tests(tests):
    """Runs test functions; exits 77 (ctest: skipped) with the reason when the
    lab cannot run here, else prints 'N passed, N failed' and exits 0 or 1."""
    why = missing_requirements()
    if why:
        log(f"SKIP: lab tests cannot run: {why}")
        sys.exit(SKIP)
    passed = failed = 0
    for test in tests:
        t0 = time.monotonic()
        try:
            test()
            log(f"PASS {test.__name__} ({time.monotonic() - t0:.1f}s)")
            passed += 1
        except Exception as e:  # report every failure, keep going
            import traceback
            traceback.print_exc()
            log(f"FAIL {test.__name__} ({time.monotonic() - t0:.1f}s): {e}")
            failed += 1
    log(f"{passed} passed, {failed} failed")
    sys.exit(0 if failed == 0 else 1)


# ---- CLI ------------------------------------------------------------------------------------------

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="lab.py")
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("cleanup", help="remove namespaces, processes and work dirs of labs that are gone")
    c.add_argument("--all", action="store_true", help="also those of running labs (other than this process)")
    sub.add_parser("list", help="list lab namespaces and whether their owner is alive")
    r = sub.add_parser("run", help="start a scenario, print its nodes, wait for Ctrl-C (or --seconds)")
    r.add_argument("scenario", choices=sorted(SCENARIOS))
    r.add_argument("--nodes", type=int, default=None, help="for full / mesh20")
    r.add_argument("--seconds", type=float, default=None, help="hold this long instead of until Ctrl-C")
    r.add_argument("--binary", default=None)
    s = sub.add_parser("soak", help="full mesh, continuous messaging, random faults, exactly-once check")
    s.add_argument("--minutes", type=float, default=5)
    s.add_argument("--nodes", type=int, default=20)
    s.add_argument("--rate", type=float, default=20, help="messages per second, whole mesh")
    s.add_argument("--fault-every", type=float, default=6)
    s.add_argument("--seed", type=int, default=None)
    s.add_argument("--binary", default=None)
    s.add_argument("--json", action="store_true", help="print the results as one JSON line at the end")
    i = sub.add_parser("idle", help="start-up time and RSS of idle nodes (JSON)")
    i.add_argument("--nodes", type=int, default=10)
    i.add_argument("--binary", default=None)
    sub.add_parser("reroute-babeld", add_help=False,
                   help="babeld reroute-gap baseline on the diamond (babel_baseline.py; its options follow)")
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["reroute-babeld"]:
        import babel_baseline  # tests/lab, beside this file
        return babel_baseline.main(argv[1:])
    args = p.parse_args(argv)

    if args.cmd == "list":
        for ns, pid in lab_namespaces():
            log(f"{ns}  owner {pid} {'alive' if _owner_alive(pid) else 'gone'}")
        return 0
    if args.cmd == "cleanup":
        if os.geteuid() != 0:
            log("lab cleanup needs root")
            return 1
        cleanup_stale(all=args.all, verbose=True)
        return 0
    why = missing_requirements()
    if why:
        log(f"lab: cannot run: {why}")
        return SKIP
    if args.cmd == "run":
        f = SCENARIOS[args.scenario]
        topo = f(args.nodes) if args.nodes and args.scenario in ("full", "mesh20") else (
            f(4) if args.scenario == "full" else f())
        with Lab(topo, binary=args.binary) as lab:
            lab.wait_connected(timeout=120)
            log(f"lab {topo.name} ready: {len(lab.nodes)} nodes, {len(topo.links)} links, work dir {lab.dir}")
            for name, n in lab.nodes.items():
                log(f"  {name:<6} ns {n.ns:<22} pid {n.pid:<7} id {n.node_id}  "
                    f"(ip netns exec {n.ns} {lab.binary} peers)")
            log("READY")
            if args.seconds is not None:
                time.sleep(args.seconds)
            else:
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    pass
        return 0
    if args.cmd == "soak":
        res = soak(nodes=args.nodes, seconds=args.minutes * 60, rate=args.rate, fault_every=args.fault_every,
                   seed=args.seed, binary=args.binary)
        if args.json:
            log(json.dumps(res))
        return 0
    if args.cmd == "idle":
        idle(nodes=args.nodes, binary=args.binary)
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
