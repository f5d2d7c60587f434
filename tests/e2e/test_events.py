"""The WebSocket event stream GET /api/mesh/events, real daemons on loopback:

  failure     3 daemons (500 ms probes, as in test_membership.py); a client
              on n0 receives node.failed for a peer killed with kill -9
              within the membership detection bound (5 s, the time is
              printed), then alert.raised for it, and node.recovered (or
              node.discovered) plus alert.resolved once it is restarted;
              message.received carries a message sent to n0. Every event
              has type, ts, node_id and data.
  auth        the bearer token is required as for the REST API (401);
              a plain GET is 426; other paths 404.
  slow        with [events] queue_max = 8, a client that never reads is
              cut off with close code 1008 "slow consumer: N events behind";
              a second client that reads gets every event; the daemon
              answers the API throughout and counts the cut-off in /metrics.

Client: Debian's python3-websocket (scripts/deps installs it).
"""

import json
import os
import re
import socket
import sys
import threading
import time

from harness import Mesh, run_tests, wait_until

try:
    import websocket  # python3-websocket (websocket-client)
except ImportError:
    # A python3 other than Debian's (pyenv, a venv) does not see Debian's
    # packages; websocket-client is pure Python, so Debian's copy works.
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        import websocket
    except ImportError:
        print("SKIP: python3-websocket is not installed (scripts/deps installs it)")
        sys.exit(77)

PROBE_TOML = '[membership]\nprobe_interval = "500ms"\nprobe_timeout = "250ms"\n'
# Fast alert rules on the observer: a peer's own node_failed alert after a 1 s window.
ALERT_TOML = '[alerts]\ninterval = "500ms"\n[alerts.partition]\nwindow = "1s"\n'
DETECT_LIMIT = float(os.environ.get("HYPHAE_E2E_DETECT_LIMIT", "5"))
TOKEN = "events-token-1"


def connect(daemon, token=None, **options):
    token = daemon.token if token is None else token
    header = [f"Authorization: Bearer {token}"] if token else []
    return websocket.create_connection(f"ws://{daemon.api}/api/mesh/events", header=header, timeout=10,
                                       **options)


class Reader:
    """Reads a WebSocket in a thread and keeps every event with its arrival time."""

    def __init__(self, ws):
        self.ws = ws
        self.events = []  # (monotonic time, event)
        self.close = None  # (code, reason) of a close frame
        self.error = None
        self.lock = threading.Lock()
        self.ws.settimeout(None)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        try:
            while True:
                opcode, frame = self.ws.recv_data_frame(control_frame=False)
                if opcode == websocket.ABNF.OPCODE_CLOSE:
                    data = frame.data
                    code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
                    self.close = (code, data[2:].decode())
                    return
                event = json.loads(frame.data)
                with self.lock:
                    self.events.append((time.monotonic(), event))
        except Exception as e:  # the connection ended; the test decides if that is wrong
            self.error = e

    def find(self, predicate):
        with self.lock:
            for t, e in self.events:
                if predicate(e):
                    return t, e
        return None

    def count(self, predicate):
        with self.lock:
            return sum(1 for _, e in self.events if predicate(e))

    def stop(self):
        try:
            self.ws.close(timeout=2)
        except Exception:
            pass
        self.thread.join(timeout=5)


def test_events_stream_failure_recovery_alerts_and_messages():
    with Mesh() as mesh:
        n0 = mesh.add("n0", token=TOKEN, log_level="info", extra=PROBE_TOML + ALERT_TOML)
        n0.start()
        reader = Reader(connect(n0))
        try:
            n1 = mesh.add("n1", bootstrap=[n0.mesh], extra=PROBE_TOML).start()
            n2 = mesh.add("n2", bootstrap=[n1.mesh], extra=PROBE_TOML).start()
            ids = {n1.node_id, n2.node_id}
            wait_until(lambda: all(n0.members().get(i, {}).get("state") == "alive" for i in ids) and
                       all(d.members().get(n0.node_id, {}).get("state") == "alive" for d in (n1, n2)),
                       timeout=15, what="the 3-node mesh to form")
            wait_until(lambda: {e["node_id"] for _, e in reader.events if e["type"] == "node.discovered"} >= ids,
                       timeout=5, what="node.discovered for both peers on the stream")

            # message.received: sent by n1 to n0.
            status, body = n1.request("POST", "/api/mesh/messages", {"to": n0.node_id, "payload": "over the wire"})
            assert status == 202, (status, body)
            found = wait_until(lambda: reader.find(lambda e: e["type"] == "message.received"), timeout=10,
                               what="message.received")
            msg = found[1]
            assert msg["node_id"] == n1.node_id and msg["data"]["payload"] == "over the wire", msg
            assert msg["data"]["id"] == body["id"] and msg["data"]["inbox_seq"] >= 1, msg

            n2.kill()
            killed_at = time.monotonic()
            found = wait_until(
                lambda: reader.find(lambda e: e["type"] == "node.failed" and e["node_id"] == n2.node_id),
                timeout=DETECT_LIMIT + 5, what="node.failed on the stream")
            took = found[0] - killed_at
            print(f"node.failed on the WebSocket {took:.2f}s after kill -9 (bound {DETECT_LIMIT:.0f}s)", flush=True)
            assert took <= DETECT_LIMIT, f"node.failed after {took:.2f}s"
            raised = wait_until(lambda: reader.find(lambda e: e["type"] == "alert.raised" and
                                                    e["node_id"] == n2.node_id),
                                timeout=15, what="alert.raised for the killed peer")[1]
            assert raised["data"]["kind"] == "node_failed", raised

            n2.bootstrap = [n1.mesh]
            n2.write_config()
            n2.start()
            wait_until(lambda: reader.find(lambda e: e["type"] in ("node.recovered", "node.discovered") and
                                           e["node_id"] == n2.node_id and e["seq"] > raised["seq"]),
                       timeout=15, what="node.recovered after the restart")
            wait_until(lambda: reader.find(lambda e: e["type"] == "alert.resolved" and
                                           e["data"]["id"] == raised["data"]["id"]),
                       timeout=15, what="alert.resolved after the restart")

            with reader.lock:
                events = [e for _, e in reader.events]
            for e in events:
                assert {"type", "ts", "node_id", "data", "seq"} <= set(e), e
                assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", e["ts"]), e
            # The logged events are the same as GET events/recent has, in order.
            recent = {e["seq"]: e for e in n0.get("/api/mesh/events/recent")["events"]}
            logged = [e for e in events if e["seq"] > 0]
            assert [e["seq"] for e in logged] == sorted(e["seq"] for e in logged), logged
            for e in logged:
                if e["seq"] in recent:
                    assert recent[e["seq"]]["type"] == e["type"] and recent[e["seq"]]["node_id"] == e["node_id"]
            assert reader.error is None and reader.close is None, (reader.error, reader.close)
        finally:
            reader.stop()


def test_events_auth_and_plain_http():
    with Mesh() as mesh:
        a = mesh.add("a", token=TOKEN).start()
        for token in ("-", "wrong-token"):
            try:
                connect(a, token=token)
                raise AssertionError(f"connected with token {token!r}")
            except websocket.WebSocketBadStatusException as e:
                assert e.status_code == 401, e
        try:
            websocket.create_connection(f"ws://{a.api}/api/mesh/elsewhere", timeout=10,
                                        header=[f"Authorization: Bearer {TOKEN}"])
            raise AssertionError("connected to another path")
        except websocket.WebSocketBadStatusException as e:
            assert e.status_code == 404, e
        status, body = a.request("GET", "/api/mesh/events")
        assert status == 426 and body["error"]["code"] == "upgrade_required", (status, body)
        ws = connect(a)
        ws.close()
        assert a.alive()


QUEUE_MAX = 32


def metric(daemon, name):
    m = re.search(r"^" + re.escape(name) + r" (\S+)$", daemon.get_text("/metrics"), re.M)
    return float(m.group(1)) if m else None


def test_slow_consumer_is_cut_off_and_the_node_goes_on():
    with Mesh() as mesh:
        a = mesh.add("a", extra=f"[events]\nqueue_max = {QUEUE_MAX}\n").start()
        b = mesh.add("b", bootstrap=[a.mesh]).start()
        wait_until(lambda: b.members().get(a.node_id, {}).get("state") == "alive", timeout=10, what="b sees a")
        # A session first: messages sent before it exists reach a in one burst
        # when the handshake completes, and a burst longer than the queue cuts
        # off even a fast reader (the node publishes faster than any socket).
        status, _ = b.request("POST", "/api/mesh/messages", {"to": a.node_id, "payload": "hello"})
        assert status == 202
        wait_until(lambda: a.get("/api/mesh/stats")["messages_received"] == 1, timeout=10, what="a session")
        # The slow client takes as little as the kernel allows and then reads nothing.
        slow = connect(a, sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),))
        fast = Reader(connect(a))
        wait_until(lambda: metric(a, "hyphae_events_subscribers") == 2, timeout=5, what="2 subscribers")
        payload = "x" * 1000
        sent = 0
        api_worst = 0.0
        deadline = time.monotonic() + 120
        while metric(a, "hyphae_events_slow_consumers_total") == 0:
            assert time.monotonic() < deadline, f"no cut-off after {sent} messages"
            status, body = b.request("POST", "/api/mesh/messages", {"to": a.node_id, "payload": payload})
            if status == 503:  # b's outbox is full: let the acks catch up
                time.sleep(0.05)
                continue
            assert status == 202, (status, body)
            sent += 1
            if sent % 10 == 0:  # the node answers while a subscriber is stuck
                t = time.monotonic()
                status, _ = a.request("GET", "/api/mesh/status")
                api_worst = max(api_worst, time.monotonic() - t)
                assert status == 200
        cut_after = sent
        # The stuck client now reads: what the kernel held, then the close frame with the reason.
        slow.settimeout(10)
        received = 0
        close = None
        while close is None:
            opcode, frame = slow.recv_data_frame(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                close = (int.from_bytes(frame.data[:2], "big"), frame.data[2:].decode())
            elif opcode == websocket.ABNF.OPCODE_TEXT:
                received += 1
        print(f"slow consumer cut off after {cut_after} messages; it had {received} events in kernel "
              f"buffers; close {close}; worst API reply meanwhile {api_worst * 1000:.0f} ms", flush=True)
        assert close[0] == 1008, close
        assert re.fullmatch(r"slow consumer: \d+ events behind", close[1]), close
        assert int(close[1].split()[2]) == QUEUE_MAX + 1, close  # the queue and the one that did not fit
        slow.close()
        wait_until(lambda: metric(a, "hyphae_events_subscribers") == 1, timeout=10,
                   what="the cut-off subscriber to be gone")
        # The fast client got every message a received, and keeps getting them.
        wait_until(lambda: a.get("/api/mesh/stats")["messages_received"] >= cut_after, timeout=30,
                   what="a to receive every message")
        inbox = a.get("/api/mesh/stats")["inbox"] - 1  # not "hello", sent before the clients connected
        wait_until(lambda: fast.count(lambda e: e["type"] == "message.received") == inbox, timeout=10,
                   what=f"the fast client to have all {inbox} message.received events")
        status, _ = b.request("POST", "/api/mesh/messages", {"to": a.node_id, "payload": "after"})
        assert status == 202
        wait_until(lambda: fast.find(lambda e: e["type"] == "message.received" and e["data"]["payload"] == "after"),
                   timeout=10, what="the fast client to get a later event")
        assert fast.error is None and fast.close is None, (fast.error, fast.close)
        fast.stop()
        assert a.alive() and a.http_ok("/healthz")


if __name__ == "__main__":
    sys.exit(run_tests([test_events_auth_and_plain_http, test_events_stream_failure_recovery_alerts_and_messages,
                        test_slow_consumer_is_cut_off_and_the_node_goes_on]))
