"""What an operator runs against a live node:

  status      GET status and `hyphae status [--json]`: ids, version, uptime,
              addresses, peer/member/alert counts, health; aligned table,
              no colour when stdout is not a terminal.
  healthz     200 {"status": "ok"}; 503 with a reason when bootstrap is
              configured and no peer came within [health] join_grace; back
              to 200 once one joins. No token needed.
  health      `hyphae health --tcp | --http | --node` exit codes: 0 healthy,
              1 unhealthy, 2 usage or config error, each case.
  promtool    `promtool check metrics` passes on a live node's /metrics
              (Debian's prometheus package; skipped, saying so, without it).
  start       `hyphae start --detach` returns once the API answers, with a
              pid file; a second daemon on the same data_dir is refused;
              SIGTERM removes the pid file.
  logs        `hyphae logs [--level L] [--json] [--follow]` reads the
              daemon's rotating JSON-lines log in data_dir.
  config      `hyphae config --output FILE` writes the effective config,
              defaults included; the daemon starts from that file.
  verbose     `--verbose` after the verb shows the API calls on stderr.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading

from harness import BINARY, Mesh, free_port, run_tests, wait_until


def hyphae(*args, api=None, token=""):
    extra = ["--api", api] if api else []
    return subprocess.run([BINARY, *args, *extra], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, HYPHAE_API_TOKEN=token))


def test_status_and_healthz():
    with Mesh() as mesh:
        a = mesh.add("a", token="tok-status").start()
        b = mesh.add("b", bootstrap=[a.mesh]).start()
        wait_until(lambda: a.members().get(b.node_id, {}).get("state") == "alive", timeout=10, what="a sees b")
        s = a.get("/api/mesh/status")
        assert s["node_id"] == a.node_id and s["listen"] == a.mesh and s["api"] == a.api, s
        assert re.fullmatch(r"\d+\.\d+\.\d+", s["version"]), s
        assert s["uptime_s"] >= 0 and s["started_at"].endswith("Z"), s
        assert s["members"]["alive"] == 1 and s["members"]["dead"] == 0, s
        assert s["peers"]["connected"] >= 0 and s["alerts"]["unresolved"] == 0, s
        assert s["health"] == {"status": "ok", "reasons": []}, s
        assert s["event_subscribers"] == 0, s
        r = hyphae("status", "--json", api=a.api, token=a.token)
        assert r.returncode == 0 and json.loads(r.stdout)["node_id"] == a.node_id, r
        r = hyphae("status", api=a.api, token=a.token)
        assert r.returncode == 0, r.stderr
        print(r.stdout, end="", flush=True)
        assert "\x1b[" not in r.stdout, "colour only on a terminal"
        lines = r.stdout.splitlines()
        keys = [line.split()[0] for line in lines]
        assert keys[:2] == ["node", "version"] and "health" in keys and "members" in keys, lines
        # Aligned: every value starts in the same column.
        columns = {len(line) - len(line[len(k):].lstrip()) for line, k in zip(lines, keys)}
        assert len(columns) == 1, lines
        assert a.node_id in r.stdout and "1 alive" in r.stdout and "health" in r.stdout
        r = hyphae("status", api=a.api, token="wrong")
        assert r.returncode == 1 and "401" in r.stderr, r
        # /healthz needs no token and answers JSON.
        status, body = a.request("GET", "/healthz", token="-")
        assert status == 200 and body == {"status": "ok"}, (status, body)


def test_healthz_reports_no_peers_after_the_grace():
    with Mesh() as mesh:
        dead_end = f"127.0.0.1:{free_port()}"  # nothing listens there
        a = mesh.add("a", bootstrap=[dead_end], extra='[health]\njoin_grace = "2s"\n')
        # Ready means the API answers, whatever /healthz says.
        a.http_ok = lambda path: a.request("GET", "/api/mesh/status")[0] == 200
        a.start()

        def unhealthy():
            status, body = a.request("GET", "/healthz")
            return body if status == 503 else None

        body = wait_until(unhealthy, timeout=20, what="/healthz 503 after the join grace")
        assert body["status"] == "unhealthy" and any("no peers" in r for r in body["reasons"]), body
        assert a.get("/api/mesh/status")["health"]["status"] == "unhealthy"
        b = mesh.add("b").start()
        a.cli("join", b.mesh)
        wait_until(lambda: a.request("GET", "/healthz") == (200, {"status": "ok"}), timeout=15,
                   what="/healthz 200 once a peer joined")


def closed_port():
    return free_port(socket.SOCK_STREAM)  # bound and released: nothing listens


def check(expected, *args, api=None, token=""):
    r = hyphae("health", *args, api=api, token=token)
    assert r.returncode == expected, (args, r.returncode, r.stdout, r.stderr)
    return r


def test_health_exit_codes():
    with Mesh() as mesh:
        a = mesh.add("a").start()
        b = mesh.add("b", bootstrap=[a.mesh]).start()
        wait_until(lambda: a.members().get(b.node_id, {}).get("state") == "alive", timeout=10, what="a sees b")
        # --tcp
        r = check(0, "--tcp", a.api)
        assert r.stdout.startswith("healthy:"), r.stdout
        check(1, "--tcp", f"127.0.0.1:{closed_port()}")
        check(1, "--tcp", "no-such-host.invalid:80", "--timeout", "2s")
        check(2, "--tcp", "no-port")
        check(2, "--tcp", "127.0.0.1:99999")
        # --http
        check(0, "--http", f"http://{a.api}/healthz")
        check(0, "--http", f"http://{a.api}/healthz", "--timeout", "500ms")
        r = check(1, "--http", f"http://{a.api}/api/mesh/nope")
        assert "HTTP 404" in r.stdout, r.stdout
        check(1, "--http", f"http://127.0.0.1:{closed_port()}/")
        check(2, "--http", f"https://{a.api}/healthz")
        check(2, "--http", "ftp://example")
        # A server that accepts and never answers: unhealthy after the timeout, not a hang.
        with socket.socket() as silent:
            silent.bind(("127.0.0.1", 0))
            silent.listen(1)
            r = check(1, "--http", f"http://127.0.0.1:{silent.getsockname()[1]}/", "--timeout", "300ms")
            assert "within 300 ms" in r.stdout, r.stdout
        # --node, asking a's daemon
        r = check(0, "--node", b.node_id, api=a.api)
        assert "alive" in r.stdout, r.stdout
        check(0, "--node", a.node_id, api=a.api)  # itself: its daemon's /healthz
        check(1, "--node", "ab" * 20, api=a.api)
        check(2, "--node", "xyz", api=a.api)
        check(2, "--node", b.node_id, api=f"127.0.0.1:{closed_port()}")
        r = check(0, "--node", b.node_id, "--json", api=a.api)
        out = json.loads(r.stdout)
        assert out["check"] == "node" and out["status"] == "healthy" and out["exit_code"] == 0, out
        # Usage errors
        check(2)
        check(2, "--tcp", a.api, "--http", f"http://{a.api}/")
        check(2, "--tcp", a.api, "--timeout", "soon")
        check(2, "--bogus-flag")
        r = hyphae("health", "--help")
        assert r.returncode == 0 and "--tcp" in r.stdout and "exit 0 healthy" in r.stdout, r
        # The peer dies: unhealthy once membership says so.
        b.kill()
        wait_until(lambda: hyphae("health", "--node", b.node_id, api=a.api).returncode == 1, timeout=30,
                   what="health --node to turn 1 after kill -9")


def test_promtool_accepts_metrics():
    promtool = shutil.which("promtool")
    if promtool is None:
        print("SKIP test_promtool_accepts_metrics: promtool not installed (Debian package prometheus; "
              "scripts/deps installs it)", flush=True)
        return
    with Mesh() as mesh:
        a = mesh.add("a", discovery=False).start()
        b = mesh.add("b", bootstrap=[a.mesh]).start()
        wait_until(lambda: a.members().get(b.node_id, {}).get("state") == "alive", timeout=10, what="a sees b")
        status, _ = b.request("POST", "/api/mesh/messages", {"to": a.node_id, "payload": "m"})
        assert status == 202
        for d in (a, b):
            text = d.get_text("/metrics")
            r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True,
                               timeout=60)
            assert r.returncode == 0, f"promtool on {d.name}:\n{r.stdout}{r.stderr}"
            families = len(re.findall(r"^# TYPE ", text, re.M))
            print(f"promtool check metrics: {d.name} ok ({families} metric families)", flush=True)


def gone(pid):
    """Exited: no such process, or a zombie its new parent has not reaped yet."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def test_start_detach_pid_file_logs_and_config():
    with Mesh() as mesh:
        a = mesh.add("a", log_level="info")
        open(os.path.join(a.dir, "daemon.log"), "w").close()  # started by `hyphae start`, not the harness
        config = os.path.join(a.dir, "node.toml")
        pid_file = os.path.join(a.dir, "state", "hyphae.pid")
        # `config --output`: every key, defaults included; the daemon runs from it.
        effective = os.path.join(a.dir, "effective.toml")
        r = hyphae("config", "--config", config, "--output", effective)
        assert r.returncode == 0, r.stderr
        assert os.stat(effective).st_mode & 0o777 == 0o600
        text = open(effective).read()
        for key in ("[membership]", "probe_interval", "[store]", "retention", "[alerts.latency]", "[events]",
                    "queue_max", "[health]", "join_grace", f'api = "{a.api}"'):
            assert key in text, (key, text)
        r = hyphae("config", "--config", config, "--json")
        assert r.returncode == 0 and json.loads(r.stdout)["api"] == a.api, r
        r = hyphae("config")
        assert r.returncode == 0 and 'api = "127.0.0.1:9901"' in r.stdout, r  # the defaults alone
        bad = os.path.join(a.dir, "bad.toml")
        with open(bad, "w") as f:
            f.write("nope = 1\n")
        r = hyphae("config", "--config", bad)
        assert r.returncode == 2 and f"{bad}:1: unknown key 'nope'" in r.stderr, r

        r = hyphae("start", "--config", effective, "--detach", "--json")
        assert r.returncode == 0, (r.stdout, r.stderr)
        started = json.loads(r.stdout)
        pid = started["pid"]
        try:
            assert open(pid_file).read().strip() == str(pid), "pid file names the daemon"
            assert started["api"] == a.api and len(started["node_id"]) == 40, started
            status, body = a.request("GET", "/api/mesh/status")  # ready when start returned
            assert status == 200 and body["node_id"] == started["node_id"], (status, body)
            assert os.path.realpath(body["log_file"]) == os.path.realpath(os.path.join(a.dir, "state", "hyphae.log"))
            # A second daemon on the same data_dir is refused, and says by whom.
            r = hyphae("daemon", "--config", effective)
            assert r.returncode == 1 and f"pid {pid}" in r.stderr, r
            # logs: JSON lines in the file; filtered by level; --json as stored.
            wait_until(lambda: "node started" in hyphae("logs", "--api", a.api).stdout, timeout=10,
                       what="the start line in the log")
            r = hyphae("logs", "--config", effective, "--json")
            lines = [json.loads(line) for line in r.stdout.splitlines()]
            assert lines and all(set(line) == {"ts", "level", "msg"} for line in lines), r.stdout
            assert any(line["level"] == "info" for line in lines)
            assert hyphae("logs", "--config", effective, "--level", "warn").stdout.count(" info ") == 0
            assert hyphae("logs", "--config", effective, "--level", "loud").returncode == 2
            # --verbose, also after the verb: the API calls on stderr.
            r = hyphae("status", "--verbose", api=a.api)
            assert r.returncode == 0 and "api: GET http://" in r.stderr, r.stderr
        finally:
            os.kill(pid, 15)
        wait_until(lambda: not os.path.exists(pid_file), timeout=15, what="the pid file to go on SIGTERM")

        # Again on the same data_dir; `logs --follow` prints what is logged after it started.
        r = hyphae("start", "--config", effective, "--detach", "--json")
        assert r.returncode == 0, (r.stdout, r.stderr)
        pid = json.loads(r.stdout)["pid"]
        follower = subprocess.Popen([BINARY, "logs", "--follow", "--config", effective, "--lines", "0"],
                                    stdout=subprocess.PIPE, text=True)
        followed = []
        threading.Thread(target=lambda: followed.extend(iter(follower.stdout.readline, "")), daemon=True).start()
        try:
            b = mesh.add("b").start()
            b.cli("join", a.mesh)
            wait_until(lambda: any(f"node.discovered node_id={b.node_id}" in line for line in followed),
                       timeout=15, what="--follow to print a's node.discovered for b")
            assert not any("node started" in line for line in followed), "--lines 0: no old lines"
        finally:
            follower.kill()
            follower.wait()
            os.kill(pid, 9)
        wait_until(lambda: gone(pid), timeout=10, what="the killed daemon to exit")
        # A failing start says why and exits 1 (the API port is taken).
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen(1)
            a.api = f"127.0.0.1:{taken.getsockname()[1]}"
            a.write_config()
            r = hyphae("start", "--config", config, "--detach")
            assert r.returncode == 1 and "cannot serve the API" in r.stderr, r


def test_packaged_config_is_accepted():
    here = os.path.dirname(os.path.abspath(__file__))
    packaged = os.path.join(here, "..", "..", "packaging", "hyphae.toml")
    r = hyphae("config", "--config", packaged)
    assert r.returncode == 0, r.stderr
    assert 'data_dir = "/var/lib/hyphae"' in r.stdout, r.stdout
    unit = open(os.path.join(here, "..", "..", "packaging", "hyphae.service")).read()
    assert "ExecStart=/usr/local/bin/hyphae daemon --config /etc/hyphae/hyphae.toml" in unit
    assert "RestartPreventExitStatus=2" in unit


if __name__ == "__main__":
    sys.exit(run_tests([test_status_and_healthz, test_healthz_reports_no_peers_after_the_grace,
                        test_health_exit_codes, test_promtool_accepts_metrics,
                        test_start_detach_pid_file_logs_and_config, test_packaged_config_is_accepted]))
