#!/usr/bin/env python3
"""Issue 7 acceptance: a 3-hop chain a - b - c - d of real daemons in network
namespaces (a and d have no IP path to each other: only the mesh, routed over
b and c, joins them). a sends 10 000 messages to d over the admin API while
the middle node b is `kill -9`-ed and restarted with the same data_dir (and
identity) a few seconds later. Every message a got a 202 for must be in d's
inbox exactly once (counted by id), a's failed count must stay 0 and its
outbox must drain.

Prints: messages accepted, delivered, duplicates, the outage (process down,
until a's route to d is back), the total time, the longest gap between
deliveries at d, the send rate and the per-message latency.

Knobs (environment): HYPHAE_LAB_CHAIN_MESSAGES (10000), HYPHAE_LAB_CHAIN_KILL_AT
(2000 accepted), HYPHAE_LAB_CHAIN_DOWN_S (4, seconds b stays dead),
HYPHAE_LAB_CHAIN_SENDERS (3 keep-alive connections to a's API),
HYPHAE_LAB_CHAIN_VICTIM (b, or c)."""

import datetime
import http.client
import ipaddress
import json
import os
import shutil
import socket
import threading
import time

import lab

MESSAGES = int(os.environ.get("HYPHAE_LAB_CHAIN_MESSAGES", "10000"))
KILL_AT = int(os.environ.get("HYPHAE_LAB_CHAIN_KILL_AT", "2000"))
DOWN_S = float(os.environ.get("HYPHAE_LAB_CHAIN_DOWN_S", "4"))
SENDERS = int(os.environ.get("HYPHAE_LAB_CHAIN_SENDERS", "3"))
VICTIM = os.environ.get("HYPHAE_LAB_CHAIN_VICTIM", "b")
TTL = "300s"  # far above the outage: nothing may fail for lack of time
DRAIN_TIMEOUT_S = 150  # after the last 202: a's outbox empty and every message in d's inbox

NAMES = {"a": "n0", "b": "n1", "c": "n2", "d": "n3"}  # lab.chain(3) names its nodes n0..n3


def log(*args):
    print(*args, flush=True)


def parse_rfc3339(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def node_prefix(node_id):
    """A node's routed destination: fd00::/8 + the first 15 bytes of its id, a /128."""
    return f"{ipaddress.IPv6Address(bytes.fromhex('fd' + node_id[:30]))}/128"


def route_selected(node, dest_id):
    """`node`'s selected route to node `dest_id` (a dict from GET /api/mesh/routes), or None."""
    want = {dest_id, node_prefix(dest_id)}
    try:
        for r in node.get("/api/mesh/routes", timeout=2):
            if r.get("destination") in want and r.get("selected"):
                return r
    except (OSError, AssertionError):
        return None
    return None


def read_inbox(node):
    """Every inbox entry (pages of at most 1000: loop with after= until empty)."""
    out, after = [], 0
    while True:
        page = node.get(f"/api/mesh/messages?after={after}", timeout=30)
        if not page:
            return out
        out += page
        after = page[-1]["seq"]


class NoDelayConnection(lab._NsHTTPConnection):
    """Keep-alive HTTP in a namespace, TCP_NODELAY: one small request, one
    answer, then the next, so Nagle would hold writes for a delayed ack."""

    def connect(self):
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Sender(threading.Thread):
    """Posts messages over one keep-alive HTTP connection in a's namespace.
    A 503 queue_full is retried with the same payload after a short back-off:
    only 202-accepted messages count. So is a 404 unknown_node: while b is
    dead, a's route to d is withdrawn and (membership being empty in the lab)
    a answers 404 for d although it still holds messages for d that it
    delivers later; those refusals are counted and printed."""

    def __init__(self, node, to, next_seq, accepted, lock, stop):
        super().__init__(daemon=True)
        self.node, self.to, self.next_seq, self.accepted, self.lock, self.stop = (
            node, to, next_seq, accepted, lock, stop)
        self.refusals = {}  # (status, code) -> count
        self.conn_errors = 0
        self.error = None
        self.conn = None

    def connect(self):
        if self.conn:
            self.conn.close()
            self.conn = None
        self.conn = NoDelayConnection(self.node.ns, "127.0.0.1", lab.API_PORT, 30)

    def post(self, body):
        self.conn.request("POST", "/api/mesh/messages", body=json.dumps(body).encode(),
                          headers={"Content-Type": "application/json"})
        r = self.conn.getresponse()
        raw = r.read()
        try:
            return r.status, json.loads(raw or b"null")
        except ValueError:
            return r.status, raw.decode(errors="replace")

    def run(self):
        try:
            while not self.stop.is_set():
                seq = self.next_seq()
                if seq is None:
                    return
                payload = f"chain-restart seq={seq:05d}"
                body = {"to": self.to, "type": "TASK", "priority": "MEDIUM", "payload": payload, "ttl": TTL}
                give_up = time.monotonic() + 60
                backoff = 0.02
                while True:
                    t_post = time.time()
                    try:
                        if self.conn is None:
                            self.connect()
                        status, resp = self.post(body)
                    except (OSError, http.client.HTTPException) as e:
                        # Not sent, or sent without an answer: if a accepted it
                        # anyway, d shows an extra copy of this payload (reported).
                        self.conn_errors += 1
                        if time.monotonic() > give_up:
                            raise AssertionError(f"seq {seq}: API unreachable: {e}")
                        time.sleep(0.2)
                        if self.conn:
                            self.conn.close()
                        self.conn = None
                        continue
                    if status == 202:
                        with self.lock:
                            self.accepted[seq] = (resp["id"], t_post)
                        break
                    err = resp.get("error") if isinstance(resp, dict) else None
                    code = err.get("code") if isinstance(err, dict) else str(resp)[:60]
                    key = (status, code)
                    self.refusals[key] = self.refusals.get(key, 0) + 1
                    if status not in (503, 404) or time.monotonic() > give_up:
                        raise AssertionError(f"seq {seq}: POST answered {status} {resp}")
                    time.sleep(backoff)
                    backoff = min(0.5, backoff * 2)
        except BaseException as e:  # reported by the main thread
            self.error = e
        finally:
            if self.conn:
                self.conn.close()


def check_no_ip_path(l, a, d):
    """The chain's ends must be joined only by the mesh: no IP route a -> d, no forwarding."""
    far = l.link_addr(d, NAMES["c"])
    r = lab.run(["ip", "-n", l[a].ns, "route", "get", far], check=False)
    assert r.returncode != 0, f"{a} has an IP route to {d} ({far}): {r.stdout.strip()}"
    for mid in (NAMES["b"], NAMES["c"]):
        fwd = lab.run(["ip", "netns", "exec", l[mid].ns, "sysctl", "-n", "net.ipv4.ip_forward"]).stdout.strip()
        assert fwd == "0", f"IP forwarding is on in {mid}"


def test_chain_kill_middle_exactly_once():
    topo = lab.chain(hops=3)
    a, victim, d = NAMES["a"], NAMES[VICTIM], NAMES["d"]
    t_start = time.monotonic()
    with lab.Lab(topo, log_level=os.environ.get("HYPHAE_LAB_CHAIN_LOG", "warn")) as l:
        log(f"chain-restart: a={a} b={NAMES['b']} c={NAMES['c']} d={d}, binary {l.binary}; "
            f"namespaces in {l.setup_s:.1f}s, daemons ready in {l.start_s:.1f}s")
        check_no_ip_path(l, a, d)
        l.wait_connected(timeout=60)
        dest = l[d].node_id
        t0 = time.monotonic()
        r = lab.wait_until(lambda: route_selected(l[a], dest), 60, f"a route from {a} to {d}", interval=0.25)
        log(f"chain-restart: route {a} -> {d} selected after {time.monotonic() - t0:.1f}s: "
            f"next hop {r['next_hop'][:8]}, metric {r['metric']}")
        assert r["next_hop"] == l[NAMES["b"]].node_id, f"route to d not via b: {r}"

        lock = threading.Lock()
        accepted = {}  # seq -> (id, unix time the accepted POST was made)
        counter = iter(range(MESSAGES))

        def next_seq():
            with lock:
                return next(counter, None)

        stop = threading.Event()
        senders = [Sender(l[a], dest, next_seq, accepted, lock, stop) for _ in range(SENDERS)]
        t_send = time.monotonic()
        for s in senders:
            s.start()

        # kill -9 the middle after KILL_AT accepted messages, restart it DOWN_S later
        lab.wait_until(lambda: len(accepted) >= KILL_AT or not any(s.is_alive() for s in senders), 600,
                       f"{KILL_AT} messages accepted", interval=0.01)
        kill_at_count = len(accepted)
        rate_before = kill_at_count / (time.monotonic() - t_send)
        old_pid = l[victim].pid
        t_kill = time.monotonic()
        l.kill(victim)
        log(f"chain-restart: kill -9 {victim} (pid {old_pid}) after {kill_at_count} accepted "
            f"({rate_before:.0f}/s so far)")
        time.sleep(DOWN_S)
        t_spawn = time.monotonic()
        l[victim].spawn()
        l[victim].wait_ready(timeout=60)  # raises if the identity changed
        t_ready = time.monotonic()
        log(f"chain-restart: {victim} restarted (pid {l[victim].pid}, same id {l[victim].node_id[:8]}), "
            f"down {t_ready - t_kill:.1f}s (spawned after {t_spawn - t_kill:.1f}s, ready in {t_ready - t_spawn:.1f}s); "
            f"{len(accepted)} accepted by now")
        # routing outage: until a selects a route to d through the restarted b again
        try:
            lab.wait_until(lambda: (lambda x: x if x and x["next_hop"] == l[NAMES["b"]].node_id else None)(
                route_selected(l[a], dest)), 60, f"{a}'s route to {d} back", interval=0.05)
            t_route = time.monotonic()
            log(f"chain-restart: route {a} -> {d} back {t_route - t_kill:.1f}s after the kill "
                f"({t_route - t_ready:.1f}s after {victim} was ready)")
        except AssertionError as e:
            t_route = float("nan")
            log(f"chain-restart: {e}")

        for s in senders:
            s.join(timeout=900)
        t_sent = time.monotonic()
        errors = [s.error for s in senders if s.error]
        refusals = {}
        for s in senders:
            for k, v in s.refusals.items():
                refusals[k] = refusals.get(k, 0) + v
        conn_errors = sum(s.conn_errors for s in senders)
        send_s = t_sent - t_send
        log(f"chain-restart: {len(accepted)} of {MESSAGES} accepted (202) in {send_s:.1f}s "
            f"({len(accepted) / send_s:.0f}/s over {SENDERS} connections); refusals retried: "
            f"{refusals or 'none'}; connection errors: {conn_errors}")
        assert not errors, f"senders failed: {errors}"
        assert len(accepted) == MESSAGES, f"only {len(accepted)} of {MESSAGES} accepted"

        # drain: a's outbox empty, and every accepted id in d's inbox
        want_ids = {mid: seq for seq, (mid, _) in accepted.items()}
        state = {}

        def drained():
            st = l[a].stats()["messaging"]
            state["stats"] = st
            if st["pending"] != 0:
                return False
            entries = read_inbox(l[d])
            state["entries"] = entries
            return len({e["id"] for e in entries if e["from"] == l[a].node_id} & want_ids.keys()) == len(want_ids)

        try:
            lab.wait_until(drained, DRAIN_TIMEOUT_S, f"{a}'s outbox drained and all in {d}'s inbox", interval=1.0)
        except AssertionError as e:
            log(f"chain-restart: {e}; a's messaging stats: {state.get('stats')}")
        t_done = time.monotonic()
        stats = l[a].stats()["messaging"]
        entries = read_inbox(l[d])

        # count at d by id
        by_id = {}
        for e in entries:
            by_id.setdefault(e["id"], []).append(e)
        from_a = [e for e in entries if e["from"] == l[a].node_id]
        dups = {mid: es for mid, es in by_id.items() if len(es) > 1}
        missing = sorted(seq for mid, seq in want_ids.items() if mid not in by_id)
        unexpected = [e for e in entries if e["id"] not in want_ids]
        wrong_payload = [(want_ids[e["id"]], e["payload"]) for e in from_a if e["id"] in want_ids
                         and e["payload"] != f"chain-restart seq={want_ids[e['id']]:05d}"]
        delivered = len({e["id"] for e in from_a} & want_ids.keys())

        # timing: gaps between deliveries at d, latency 202 -> d's inbox
        times = sorted(parse_rfc3339(e["received_at"]) for e in from_a)
        gaps = [(times[i + 1] - times[i], times[i]) for i in range(len(times) - 1)]
        gap, gap_at = max(gaps) if gaps else (0.0, 0.0)
        accepted_at = {mid: t for mid, t in accepted.values()}
        lat = sorted(parse_rfc3339(e["received_at"]) - accepted_at[e["id"]] for e in from_a
                     if e["id"] in accepted_at)
        pct = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan"))
        unix_kill = time.time() - (time.monotonic() - t_kill)
        total_s = time.monotonic() - t_start

        log(f"chain-restart: accepted {len(accepted)}, delivered {delivered} (inbox {len(entries)} entries), "
            f"duplicates {sum(len(v) - 1 for v in dups.values())}, missing {len(missing)}, unexpected {len(unexpected)}")
        log(f"chain-restart: a's stats: sent {stats['sent']}, delivered {stats['delivered']}, failed {stats['failed']}, "
            f"pending {stats['pending']}; d received {l[d].stats()['messaging']['received']}, "
            f"duplicates suppressed at d {l[d].stats()['messaging']['duplicates']}")
        log(f"chain-restart: outage: {victim} dead {t_spawn - t_kill:.1f}s, down until ready "
            f"{t_ready - t_kill:.1f}s, route back after {t_route - t_kill:.1f}s; longest delivery gap at d "
            f"{gap:.2f}s (starting {gap_at - unix_kill:+.1f}s from the kill)")
        log(f"chain-restart: latency POST -> d's inbox: p50 {pct(0.5) * 1000:.0f} ms, p99 {pct(0.99) * 1000:.0f} ms, "
            f"max {lat[-1] if lat else float('nan'):.2f}s; send {send_s:.1f}s, drained "
            f"{t_done - t_sent:.1f}s after the last 202; total {total_s:.1f}s")
        for seq in missing[:20]:
            log(f"  missing: seq {seq} id {accepted[seq][0]}")
        for mid, es in list(dups.items())[:10]:
            log(f"  duplicate: id {mid} x{len(es)}: {[(e['seq'], e['payload']) for e in es]}")
        for e in unexpected[:10]:
            log(f"  unexpected: {e}")
        for w in wrong_payload[:10]:
            log(f"  wrong payload: {w}")

        problems = []
        if t_route != t_route:
            problems.append(f"{a}'s route to {d} through the restarted {victim} never came back")
        if missing:
            problems.append(f"{len(missing)} accepted messages never delivered (first seqs {missing[:10]})")
        if dups:
            problems.append(f"{len(dups)} ids delivered more than once")
        if unexpected:
            problems.append(f"{len(unexpected)} inbox entries a never got a 202 for")
        if wrong_payload:
            problems.append(f"{len(wrong_payload)} payloads do not match their id")
        if stats["failed"]:
            problems.append(f"a reports {stats['failed']} messages failed")
        if stats["pending"]:
            problems.append(f"a still has {stats['pending']} pending")
        for n in l.nodes.values():
            n.stop()
        try:
            l.check_clean_exits()
        except AssertionError as e:
            problems.append(str(e))
        if problems:
            l.failed = True  # keep the work directory (logs, state/) for a look
            # The next lab's start-up removes dead labs' directories: keep a copy under another name.
            keep = f"/tmp/chain-restart-failed-{os.getpid()}"
            shutil.copytree(l.dir, keep, dirs_exist_ok=True, ignore_dangling_symlinks=True)
            log(f"chain-restart: work directory copied to {keep}")
            raise AssertionError("; ".join(problems))


if __name__ == "__main__":
    lab.run_tests([test_chain_kill_middle_exactly_once])
