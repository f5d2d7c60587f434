"""Real `hyphae daemon` processes on loopback for end-to-end tests.

Each Daemon gets its own temporary directory, key and free ports; every
process is killed when the test ends, pass or fail. Waits are polls with a
deadline, never bare sleeps.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

BINARY = os.environ.get("HYPHAE_BINARY", "hyphae")


def free_port(kind=socket.SOCK_DGRAM):
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=15.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Daemon:
    def __init__(self, name, peers=(), psk="", workdir=None, token="", bootstrap=(), discovery=False,
                 extra="", log_level="warn"):
        self.name = name
        self.dir = workdir or tempfile.mkdtemp(prefix=f"hyphae-e2e-{name}-")
        self.mesh_port = free_port(socket.SOCK_DGRAM)
        self.api_port = free_port(socket.SOCK_STREAM)
        self.mesh = f"127.0.0.1:{self.mesh_port}"
        self.api = f"127.0.0.1:{self.api_port}"
        self.peers = list(peers)
        self.psk = psk
        self.token = token
        # Membership seeds; LAN discovery is off by default here (daemons on
        # one host would all hear each other's beacons on port 9999).
        self.bootstrap = list(bootstrap)
        self.discovery = discovery
        self.extra = extra  # more TOML, appended (tables go last)
        self.log_level = log_level
        self.proc = None
        self.node_id = None
        self.write_config()

    def write_config(self):
        peers = ", ".join(f'"{p}"' for p in self.peers)
        bootstrap = ", ".join(f'"{b}"' for b in self.bootstrap)
        with open(os.path.join(self.dir, "node.toml"), "w") as f:
            f.write(
                f'identity = "node.key"\nlisten = "{self.mesh}"\napi = "{self.api}"\n'
                f'data_dir = "state"\npeers = [{peers}]\nnetwork_psk = "{self.psk}"\n'
                f'api_token = "{self.token}"\nlog_level = "{self.log_level}"\n'
                f'bootstrap = [{bootstrap}]\n'
                f'[discovery]\nenabled = {"true" if self.discovery else "false"}\n'
                f'{self.extra}'
            )

    def start(self):
        self.log = open(os.path.join(self.dir, "daemon.log"), "w")
        self.proc = subprocess.Popen(
            [BINARY, "daemon", "--config", os.path.join(self.dir, "node.toml")],
            stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("hyphae node "):
            raise AssertionError(f"{self.name} did not start: {line!r}; log: {self.read_log()}")
        self.node_id = line.split()[2]
        wait_until(lambda: self.http_ok("/healthz"), what=f"{self.name} API")
        return self

    def read_log(self):
        with open(os.path.join(self.dir, "daemon.log")) as f:
            return f.read()

    def http_ok(self, path):
        try:
            with urllib.request.urlopen(f"http://{self.api}{path}", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def request(self, method, path, body=None, raw=None, token=None, timeout=5):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        headers = {"Content-Type": "application/json"}
        token = self.token if token is None else token
        if token:
            headers["Authorization"] = f"Bearer {token}"
        req = urllib.request.Request(f"http://{self.api}{path}", data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def get_text(self, path):
        with urllib.request.urlopen(f"http://{self.api}{path}", timeout=5) as r:
            return r.read().decode()

    def get(self, path):
        status, body = self.request("GET", path)
        assert status == 200, (status, body)
        return body

    def cli(self, *args, check=True):
        env = dict(os.environ, HYPHAE_API_TOKEN=self.token)
        result = subprocess.run([BINARY, *args, "--api", self.api], capture_output=True, text=True, timeout=30,
                                env=env)
        if check and result.returncode != 0:
            raise AssertionError(f"hyphae {' '.join(args)} failed: {result.stderr}")
        return result

    def connected_peers(self):
        return {p["node_id"] for p in self.get("/api/mesh/peers") if p["session"] == "connected"}

    def members(self):
        """node_id -> entry of GET nodes/discover (this node's membership view)."""
        return {n["node_id"]: n for n in self.get("/api/mesh/nodes/discover")["nodes"]}

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """kill -9: no goodbye, no flush."""
        self.stop(signal.SIGKILL)

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        if getattr(self, "log", None):
            self.log.close()

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Mesh:
    """Context manager that cleans up every daemon it made."""

    def __init__(self):
        self.daemons = []

    def add(self, *args, **kwargs):
        d = Daemon(*args, **kwargs)
        self.daemons.append(d)
        return d

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for d in self.daemons:
            if exc[0] is not None:
                print(f"--- log of {d.name} ---\n{d.read_log()[-3000:]}")
            d.cleanup()


class UdpRelay:
    """A man in the middle on loopback: forwards datagrams between a client and
    `target`, recording every one, and can replay recorded datagrams. The
    client dials the relay's port instead of the target's."""

    def __init__(self, target_port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.target = ("127.0.0.1", target_port)
        self.client = None
        self.captured = []  # (direction, bytes)
        self.sock.settimeout(0.05)

    def pump(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                data, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            if addr == self.target:
                self.captured.append(("to_client", data))
                if self.client:
                    self.sock.sendto(data, self.client)
            else:
                self.client = addr
                self.captured.append(("to_target", data))
                self.sock.sendto(data, self.target)

    def close(self):
        self.sock.close()


def run_tests(tests):
    """Runs each test function, printing a closing 'N passed, N failed' line."""
    passed = failed = 0
    for test in tests:
        name = test.__name__
        try:
            test()
            print(f"PASS {name}", flush=True)
            passed += 1
        except Exception as e:  # report every failure, keep going
            import traceback
            traceback.print_exc()
            print(f"FAIL {name}: {e}", flush=True)
            failed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1
