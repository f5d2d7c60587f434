"""The store (SQLite in data_dir/store.db) and the alerts: history export,
alert listing, ack and resolve through the API and the CLI with their bad
inputs; an acknowledged alert survives kill -9 during heavy writes; a
partition of 3 of 6 nodes raises exactly one alert and it resolves on heal."""

import json
import os
import random
import sqlite3
import tempfile
import time

from harness import Mesh, run_tests, wait_until

# Snapshots every 100 ms (heavy writes); alerts every 200 ms; the resource
# rule at 0 % so this node always has a CPU and a memory alert to work with.
BUSY = ('[store]\nsnapshot_interval = "100ms"\n'
        '[alerts]\ninterval = "200ms"\n'
        '[alerts.resources]\nwarning = 0\ncritical = 100\n')


def store_file(d):
    return os.path.join(d.dir, "state", "store.db")


def resource_alerts(d):
    alerts = d.get("/api/mesh/alerts")["alerts"]
    return {a["subject"]: a for a in alerts if a["kind"] == "resource" and a["state"] != "resolved"}


def test_history_export_and_bad_input():
    with Mesh() as mesh:
        a = mesh.add("a", extra=BUSY).start()
        wait_until(lambda: len(a.get("/api/mesh/history")["load"]) >= 3, what="three load samples")
        h = a.get("/api/mesh/history?format=json")
        assert set(h) >= {"from", "to", "load", "events", "truncated"}, h
        row = h["load"][-1]
        assert row["node_id"] == a.node_id and set(row) >= {
            "time", "unix_ms", "cpu_percent", "memory_percent", "connections", "messages_per_s"}, row
        assert row["memory_percent"] > 0, row
        assert any(e["type"] == "alert.raised" for e in h["events"]), h["events"]
        now = int(time.time())
        assert len(a.get(f"/api/mesh/history?from={now - 60}&to={now + 60}")["load"]) >= 3
        assert a.get(f"/api/mesh/history?from={now - 3600}&to={now - 1800}")["load"] == []
        # RFC 3339, with an offset (its '+' and ':' percent-encoded).
        iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now - 60))
        assert a.get(f"/api/mesh/history?from={iso}Z")["load"]
        status, _ = a.request("GET", f"/api/mesh/history?from={iso}%2B00%3A00")
        assert status == 200
        csv = a.get_text("/api/mesh/history?format=csv")
        lines = csv.strip().split("\n")
        assert lines[0] == "time,unix_ms,node_id,cpu_percent,memory_percent,connections,messages_per_s", lines[0]
        assert len(lines) >= 4 and a.node_id in lines[-1]
        assert a.get_text("/api/mesh/history?format=csv&data=events").startswith("time,unix_ms,type,node_id,data")
        for query, code in [("from=yesterday", "bad_query"), ("to=2024-13-01T00:00:00Z", "bad_query"),
                            ("from=2000&to=1000", "bad_query"), ("format=xml", "bad_query"),
                            ("data=routes", "bad_query"), ("from=%ZZ", "bad_query"), ("from=", "bad_query")]:
            status, body = a.request("GET", f"/api/mesh/history?{query}")
            assert status == 400 and body["error"]["code"] == code and body["error"]["message"], (query, body)
        status, body = a.request("POST", "/api/mesh/history", {})
        assert status == 405, body
        # The CLI writes the export to a file.
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "h.csv")
            a.cli("history", "--format", "csv", "--output", out)
            with open(out) as f:
                assert f.readline().startswith("time,unix_ms,node_id"), out
            r = a.cli("history", "--json", "--from", str(now - 60))
            assert json.loads(r.stdout)["load"], r.stdout
            r = a.cli("history", "--from", "soon", check=False)
            assert r.returncode == 1 and "'from' must be" in r.stderr, r
            r = a.cli("history", "--format", "xml", check=False)
            assert r.returncode != 0


def test_alerts_list_ack_resolve_and_bad_input():
    with Mesh() as mesh:
        a = mesh.add("a", extra=BUSY).start()
        alerts = wait_until(lambda: len(resource_alerts(a)) == 2 and resource_alerts(a), what="resource alerts")
        cpu, memory = alerts["cpu"], alerts["memory"]
        assert memory["severity"] == "MEDIUM" and memory["state"] == "open", memory
        body = a.get("/api/mesh/alerts")
        assert body["unresolved"]["MEDIUM"] >= 2, body
        assert all(x["state"] == "open" for x in a.get("/api/mesh/alerts?state=open")["alerts"])
        assert a.get("/api/mesh/alerts?state=resolved")["alerts"] == []
        # Ack, twice (idempotent), and read it back.
        status, acked = a.request("POST", f"/api/mesh/alerts/{memory['id']}/ack")
        assert status == 200 and acked["state"] == "acked" and acked["acked"], acked
        status, again = a.request("POST", f"/api/mesh/alerts/{memory['id']}/ack")
        assert status == 200 and again["acked"] == acked["acked"], again
        assert a.get(f"/api/mesh/alerts/{memory['id']}")["state"] == "acked"
        assert [x["id"] for x in a.get("/api/mesh/alerts?state=acked")["alerts"]] == [memory["id"]]
        # Resolve by hand; an ack afterwards is a conflict.
        status, resolved = a.request("POST", f"/api/mesh/alerts/{cpu['id']}/resolve")
        assert status == 200 and resolved["state"] == "resolved" and resolved["resolution"] == "operator"
        status, body = a.request("POST", f"/api/mesh/alerts/{cpu['id']}/ack")
        assert status == 409 and body["error"]["code"] == "alert_resolved", body
        status, _ = a.request("POST", f"/api/mesh/alerts/{cpu['id']}/resolve")
        assert status == 200
        # The condition persists (CPU >= 0 %): a new alert follows, never the old id.
        wait_until(lambda: resource_alerts(a).get("cpu", {}).get("id", cpu["id"]) != cpu["id"],
                   what="cpu alert raised again")
        for method, path, status_code, code in [
            ("POST", "/api/mesh/alerts/abc/ack", 400, "bad_id"),
            ("POST", "/api/mesh/alerts/0/ack", 400, "bad_id"),
            ("POST", "/api/mesh/alerts/-1/resolve", 400, "bad_id"),
            ("POST", "/api/mesh/alerts/99999999999999999999999/ack", 400, "bad_id"),
            ("POST", "/api/mesh/alerts/424242/ack", 404, "unknown_alert"),
            ("POST", "/api/mesh/alerts/424242/resolve", 404, "unknown_alert"),
            ("GET", "/api/mesh/alerts/424242", 404, "unknown_alert"),
            ("POST", f"/api/mesh/alerts/{memory['id']}/explode", 404, "not_found"),
            ("GET", f"/api/mesh/alerts/{memory['id']}/ack", 405, "method_not_allowed"),
            ("POST", "/api/mesh/alerts", 405, "method_not_allowed"),
            ("GET", "/api/mesh/alerts?state=closed", 400, "bad_query"),
        ]:
            status, body = a.request(method, path, raw=b"" if method == "POST" else None)
            assert status == status_code and body["error"]["code"] == code, (method, path, status, body)
        # Events and metrics.
        types = [e["type"] for e in a.get("/api/mesh/events/recent")["events"]]
        assert "alert.raised" in types and "alert.acked" in types and "alert.resolved" in types, types
        raised = next(e for e in a.get("/api/mesh/events/recent")["events"] if e["type"] == "alert.raised")
        assert raised["data"]["kind"] == "resource" and raised["node_id"] == a.node_id, raised
        metrics = a.get_text("/metrics")
        assert 'hyphae_alerts_open{severity="MEDIUM"}' in metrics, metrics
        assert "hyphae_store_errors_total 0" in metrics, metrics
        # The CLI.
        r = a.cli("alerts")
        assert "SEVERITY" in r.stdout and "memory" in r.stdout, r.stdout
        assert json.loads(a.cli("alerts", "--json").stdout)["alerts"]
        assert "acked" in a.cli("alerts", "--state", "acked").stdout
        new_cpu = resource_alerts(a)["cpu"]["id"]
        r = a.cli("alerts", "ack", str(new_cpu))
        assert f"alert {new_cpu} acked" in r.stdout, r.stdout
        r = a.cli("alerts", "resolve", str(new_cpu), "--json")
        assert json.loads(r.stdout)["state"] == "resolved", r.stdout
        r = a.cli("alerts", "ack", "424242", check=False)
        assert r.returncode == 1 and "no alert with id 424242" in r.stderr, r
        r = a.cli("alerts", "ack", "zero", check=False)
        assert r.returncode != 0


def test_kill_9_during_writes_keeps_the_store_and_the_ack():
    with Mesh() as mesh:
        a = mesh.add("a", extra=BUSY)
        b = mesh.add("b", peers=[a.mesh], bootstrap=[a.mesh], extra=BUSY)
        a.start()
        b.start()
        wait_until(lambda: b.node_id in a.connected_peers() and b.node_id in a.members(), what="a-b session")
        memory = wait_until(lambda: resource_alerts(a).get("memory"), what="memory alert")
        wait_until(lambda: len(a.get("/api/mesh/history")["load"]) >= 5, what="load samples")
        status, acked = a.request("POST", f"/api/mesh/alerts/{memory['id']}/ack")
        assert status == 200 and acked["state"] == "acked"
        before_kill = a.get("/api/mesh/history")["load"][0]["unix_ms"]
        a.kill()  # right after the ack was answered, mid-snapshots
        for cycle in range(3):
            # The file opens cleanly as the killed process left it.
            db = sqlite3.connect(store_file(a))
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            state = db.execute("SELECT state, acked FROM alerts WHERE id = ?", (memory["id"],)).fetchone()
            assert state[0] == "acked" and state[1] is not None, state
            assert db.execute("SELECT count(*) FROM load_history").fetchone()[0] >= 5
            assert db.execute("SELECT count(*) FROM mesh_nodes WHERE node_id = ?", (b.node_id,)).fetchone()[0] == 1
            assert db.execute("SELECT count(*) FROM node_connections WHERE b = ?", (b.node_id,)).fetchone()[0] == 1
            db.close()
            a.start()
            got = a.get(f"/api/mesh/alerts/{memory['id']}")
            assert got["state"] == "acked" and got["acked"] == acked["acked"], got
            assert [x["id"] for x in a.get("/api/mesh/alerts?state=acked")["alerts"]] == [memory["id"]]
            load = a.get(f"/api/mesh/history?from={before_kill // 1000}")["load"]
            assert load and load[0]["unix_ms"] <= before_kill + 1000, load[:1]
            time.sleep(random.uniform(0.3, 1.0))  # writes under way
            a.kill()
        a.start()
        assert "hyphae_store_errors_total 0" in a.get_text("/metrics")


def test_partition_of_3_of_6_is_one_alert_and_resolves_on_heal():
    with Mesh() as mesh:
        first = mesh.add("n0", extra='[alerts]\ninterval = "500ms"\n').start()
        others = [mesh.add(f"n{i}", bootstrap=[first.mesh]).start() for i in range(1, 6)]
        nodes = [first] + others
        ids = {n.node_id for n in nodes}

        def full_view():
            members = first.members()
            return all(i in members and members[i]["state"] == "alive" for i in ids - {first.node_id})

        wait_until(full_view, timeout=60, what="n0 sees 5 alive members")
        gone = others[2:]
        for n in gone:
            n.kill()
        gone_ids = sorted(n.node_id for n in gone)

        def partition():
            return [a for a in first.get("/api/mesh/alerts")["alerts"] if a["kind"] == "partition"]

        # Membership declares them dead one by one; the later ones join the alert.
        alert = wait_until(lambda: partition() and len(partition()[0]["members"]) == 3 and partition()[0],
                           timeout=60, what="partition alert with the 3 nodes")
        assert sorted(alert["members"]) == gone_ids, alert
        assert alert["severity"] == "CRITICAL", alert
        time.sleep(12)  # past the correlation window: no per-node alerts follow
        alerts = first.get("/api/mesh/alerts")["alerts"]
        assert [a["kind"] for a in alerts if a["kind"] in ("partition", "node_failed")] == ["partition"], alerts
        for n in gone:
            n.start()
        wait_until(lambda: partition()[0]["state"] == "resolved", timeout=60, what="partition resolved")
        assert partition()[0]["resolution"] == "healed"
        assert [a for a in first.get("/api/mesh/alerts")["alerts"] if a["kind"] == "node_failed"] == []
        events = [e for e in first.get("/api/mesh/events/recent")["events"] if e["type"].startswith("alert.")]
        kinds = [(e["type"], e["data"]["kind"]) for e in events
                 if e["data"]["kind"] in ("partition", "node_failed") and e["type"] != "alert.updated"]
        assert kinds == [("alert.raised", "partition"), ("alert.resolved", "partition")], kinds


if __name__ == "__main__":
    raise SystemExit(run_tests([
        test_history_export_and_bad_input,
        test_alerts_list_ack_resolve_and_bad_input,
        test_kill_9_during_writes_keeps_the_store_and_the_ack,
        test_partition_of_3_of_6_is_one_alert_and_resolves_on_heal,
    ]))
