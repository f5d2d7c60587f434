"""Config errors exit 2 naming file:line; the API answers bad input with the
right status and a JSON error; keys are private."""

import json
import os
import subprocess
import sys
import tempfile

from harness import BINARY, Mesh, run_tests


def run(*args):
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=30)


def test_config_errors_exit_2_with_file_and_line():
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "bad.toml")
        with open(path, "w") as f:
            f.write('listen = "127.0.0.1:9900"\nlisten_port = 5\n')
        r = run("daemon", "--config", path)
        assert r.returncode == 2, r
        assert f"{path}:2: unknown key 'listen_port'" in r.stderr, r.stderr
        with open(path, "w") as f:
            f.write('peers = ["127.0.0.1:1",\n  "no-port"]\n')
        r = run("daemon", "--config", path)
        assert r.returncode == 2 and f"{path}:2:" in r.stderr, r.stderr
        r = run("daemon", "--config", os.path.join(d, "missing.toml"))
        assert r.returncode == 2 and "cannot open" in r.stderr, r.stderr


def test_keygen_and_world_readable_key_refused():
    with tempfile.TemporaryDirectory() as d:
        key = os.path.join(d, "k.key")
        r = run("keygen", "--out", key)
        assert r.returncode == 0, r.stderr
        node_id = r.stdout.strip()
        assert len(node_id) == 40 and all(c in "0123456789abcdef" for c in node_id), node_id
        assert os.stat(key).st_mode & 0o777 == 0o600
        assert run("keygen", "--out", key).returncode == 2, "must not overwrite without --force"
        os.chmod(key, 0o644)
        with open(os.path.join(d, "n.toml"), "w") as f:
            f.write(f'identity = "{key}"\nlisten = "127.0.0.1:0"\napi = "127.0.0.1:0"\ndata_dir = "{d}/s"\n')
        r = run("daemon", "--config", os.path.join(d, "n.toml"))
        assert r.returncode == 1 and "readable by group or others" in r.stderr, r


def test_api_rejects_bad_input():
    with Mesh() as mesh:
        a = mesh.add("a").start()
        peer_id = "ab" * 20
        cases = [
            (b"{not json", 400, "bad_json"),
            (b"[1,2]", 400, "bad_request"),
            (json.dumps({"payload": "x"}).encode(), 400, "bad_field"),
            (json.dumps({"to": "xyz", "payload": "x"}).encode(), 400, "bad_field"),
            (json.dumps({"to": peer_id, "type": "SHOUT", "payload": "x"}).encode(), 400, "bad_field"),
            (json.dumps({"to": peer_id, "priority": "URGENT", "payload": "x"}).encode(), 400, "bad_field"),
            (json.dumps({"to": peer_id, "priority": 3, "payload": "x"}).encode(), 400, "bad_field"),
            (json.dumps({"to": peer_id, "payload": 5}).encode(), 400, "bad_field"),
            (json.dumps({"to": peer_id, "payload": "x" * (16 * 1024 * 1024 + 1)}).encode(), 413, "payload_too_large"),
            (json.dumps({"to": a.node_id, "payload": "x"}).encode(), 400, "to_self"),
        ]
        for raw, status, code in cases:
            # A 16 MiB body takes seconds to parse in the sanitizer build.
            got_status, body = a.request("POST", "/api/mesh/messages", raw=raw, timeout=60)
            assert got_status == status, (raw[:60], got_status, body)
            assert body["error"]["code"] == code, (raw[:60], body)
            assert body["error"]["message"], body
        status, body = a.request("GET", "/api/mesh/nope")
        assert status == 404 and body["error"]["code"] == "not_found"
        status, body = a.request("DELETE", "/api/mesh/peers")
        assert status == 405, (status, body)
        status, body = a.request("GET", "/api/mesh/messages?after=x")
        assert status == 400, body
        status, body = a.request("POST", "/api/mesh/messages", raw=b"x" * (18 << 20), timeout=60)
        assert status == 413, body
        status, body = a.request("POST", "/api/mesh/messages", {"to": peer_id, "payload": "for nobody"})
        assert status == 404 and body["error"]["code"] == "unknown_node", body
        for bad in ({"ttl": "soon"}, {"ttl": -1}, {"reply_to": "xyz"}, {"wait": "yes"}, {"wait": True},
                    {"wait": True, "type": "QUERY", "timeout": "1h"}):
            status, body = a.request("POST", "/api/mesh/messages", {"to": peer_id, "payload": "x", **bad})
            assert status == 400 and body["error"]["code"] == "bad_field", (bad, status, body)
        status, body = a.request("POST", "/api/mesh/broadcast", {"payload": "x" * 1025})
        assert status == 413 and body["error"]["code"] == "payload_too_large", body
        status, body = a.request("POST", "/api/mesh/broadcast", {"payload": "x", "type": "SHOUT"})
        assert status == 400, body
        status = a.get("/api/mesh/status")
        assert status["node_id"] == a.node_id and status["listen"] == a.mesh, status
        r = run("send", "--api", a.api, "--to", "zz", "x")
        assert r.returncode == 1 and "'to' must be a node id" in r.stderr, r.stderr
        r = run("peers", "--api", "127.0.0.1:1")
        assert r.returncode == 1 and "cannot reach" in r.stderr, r.stderr


def test_api_token_is_enforced():
    with Mesh() as mesh:
        a = mesh.add("a", token="s3cret-token").start()
        for wrong in ("", "s3cret-tokeX", "s3cret"):
            status, body = a.request("GET", "/api/mesh/peers", token=wrong or "-")
            assert status == 401 and body["error"]["code"] == "unauthorized", (wrong, status, body)
        status, _ = a.request("GET", "/api/mesh/peers")
        assert status == 200
        assert a.http_ok("/healthz"), "health checks need no token"
        r = subprocess.run([BINARY, "peers", "--api", a.api], capture_output=True, text=True, timeout=30,
                           env=dict(os.environ, HYPHAE_API_TOKEN=""))
        assert r.returncode == 1 and "401" in r.stderr, r.stderr
        assert a.cli("peers").returncode == 0


if __name__ == "__main__":
    sys.exit(run_tests([test_config_errors_exit_2_with_file_and_line, test_keygen_and_world_readable_key_refused,
                        test_api_rejects_bad_input, test_api_token_is_enforced]))
