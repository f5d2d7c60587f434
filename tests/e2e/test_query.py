"""Messaging through the admin API (issue 7): a QUERY answered by an
application attached to the other node (it reads the inbox and POSTs a
RESPONSE with reply_to), a query nobody answers (504 after its timeout), a
broadcast that reaches every node once, the statistics, and the durable
outbox: messages accepted while their receiver is down are delivered after
the *sender* is killed with -9 and restarted, each exactly once."""

import json
import sys
import threading
import time

from harness import Mesh, run_tests, wait_until


def answer_queries(node, stop):
    """A tiny responder: every QUERY in the inbox gets RESPONSE 'pong: <payload>'."""
    after = 0
    while not stop.is_set():
        status, inbox = node.request("GET", f"/api/mesh/messages?after={after}")
        for m in inbox if status == 200 else []:
            after = max(after, m["seq"])
            if m["type"] == "QUERY":
                node.request("POST", "/api/mesh/messages",
                             {"to": m["from"], "type": "RESPONSE", "reply_to": m["id"],
                              "payload": "pong: " + m["payload"]})
        time.sleep(0.05)


def test_query_response_timeout_broadcast_and_stats():
    with Mesh() as mesh:
        a = mesh.add("a").start()
        b = mesh.add("b", peers=[a.mesh]).start()
        c = mesh.add("c", peers=[b.mesh]).start()
        wait_until(lambda: b.node_id in a.connected_peers() and c.node_id in b.connected_peers(), what="chain")
        # Nobody answers yet: the query times out with 504 after its timeout.
        t0 = time.monotonic()
        status, body = a.request("POST", "/api/mesh/messages",
                                 {"to": b.node_id, "type": "QUERY", "payload": "anyone?", "wait": True,
                                  "timeout": "700ms"})
        waited = time.monotonic() - t0
        assert status == 504 and body["error"]["code"] == "timeout", (status, body)
        assert 0.6 < waited < 5, waited
        stop = threading.Event()
        responder = threading.Thread(target=answer_queries, args=(b, stop), daemon=True)
        responder.start()
        try:
            r = a.cli("query", b.node_id, "ping", "--timeout", "10s")
            assert r.stdout.strip() == "pong: ping", r.stdout
            out = json.loads(a.cli("query", b.node_id, "again", "--timeout", "10s", "--json").stdout)
            assert out["response"]["from"] == b.node_id and out["response"]["reply_to"] == out["id"], out
            assert out["response"]["type"] == "RESPONSE", out
        finally:
            stop.set()
            responder.join()
        # A broadcast from c reaches a (two hops away) and b, once each.
        bid = c.cli("broadcast", "to everyone").stdout.strip()
        for n in (a, b):
            got = wait_until(lambda n=n: [m for m in json.loads(n.cli("inbox", "--json").stdout)
                                          if m["id"] == bid], what=f"broadcast at {n.name}")
            assert len(got) == 1 and got[0]["broadcast"] and got[0]["from"] == c.node_id, got
        stats = a.get("/api/mesh/stats")["messaging"]
        assert stats["delivered"] >= 2 and stats["by_priority"]["HIGH"]["delivered"] >= 2, stats
        assert stats["by_priority"]["HIGH"]["latency_ms"]["p99"] > 0, stats
        assert stats["active_peers"] == 1 and 0 < stats["success_rate"] <= 1, stats


def test_accepted_messages_survive_a_sender_crash():
    with Mesh() as mesh:
        a = mesh.add("a").start()
        b = mesh.add("b", peers=[a.mesh]).start()
        wait_until(lambda: b.node_id in a.connected_peers(), what="connect")
        b.kill()  # the receiver is gone (a has not noticed yet): a's messages wait in its outbox
        ids = []
        for i in range(20):
            status, body = a.request("POST", "/api/mesh/messages",
                                     {"to": b.node_id, "payload": f"m{i}", "ttl": "60s"})
            assert status == 202, body
            ids.append(body["id"])
        a.kill()  # kill -9: only the journal remembers them
        a.start()
        b.start()
        def all_in():
            inbox = json.loads(b.cli("inbox", "--json").stdout)
            return inbox if {m["id"] for m in inbox} >= set(ids) else None
        inbox = wait_until(all_in, timeout=30, what="every accepted message at b")
        counts = {}
        for m in inbox:
            counts[m["id"]] = counts.get(m["id"], 0) + 1
        assert all(counts[i] == 1 for i in ids), counts
        assert sorted(m["payload"] for m in inbox if m["id"] in ids) == sorted(f"m{i}" for i in range(20))
        wait_until(lambda: a.get("/api/mesh/stats")["messaging"]["pending"] == 0, what="a's outbox drains")


if __name__ == "__main__":
    sys.exit(run_tests([test_query_response_timeout_broadcast_and_stats,
                        test_accepted_messages_survive_a_sender_crash]))
