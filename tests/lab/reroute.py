#!/usr/bin/env python3
"""Reroute gap after a silent link cut, for any routing layer in a lab (issue 6).

    import lab, reroute
    with lab.Lab(lab.diamond(), daemons=False) as l:
        ...  # start a routing daemon in every namespace, wait until it converged
        r = reroute.measure_gap(l, "src", "dst", "10.78.0.4")
        print(f"gap {r['gap_s']:.2f} s over {r['cut']}")

`measure_gap` streams small datagrams from one namespace to another, finds
the sender's link that carries them, cuts it silently (nftables drop in both
directions at both ends, `Lab.cut`), and reports the longest interval between
consecutive arrivals around the cut. The stream is pluggable (see `Stream`),
so the same measurement runs over babeld's kernel routes (`UdpStream`, plain
UDP) and over Hyphae's mesh (a stream of Hyphae messages) in the same run.
Python 3 standard library only; the lab needs root.
"""

import http.client as http_client
import ipaddress
import json
import os
import socket
import struct
import threading
import time

import lab as labmod

_HEADER = struct.Struct("!Qd")  # sequence number, sender's monotonic send time


class Stream:
    """What measure_gap needs from a stream; subclass it or duck-type it.

    start()          begin sending (returns at once; sending runs in the background)
    stop()           stop sending and receiving; idempotent
    arrivals()       [(arrival time, seq)] in arrival order so far; times are
                     time.monotonic() of the lab process (one clock for all)
    sent()           [(send time, seq)] in send order so far, every attempt (a send
                     that failed locally, e.g. EPERM from nftables on a cut link
                     or ENETUNREACH, is in it: it counts as lost)
    send_errors      count of sends that failed locally
    """

    send_errors = 0

    def start(self):
        raise NotImplementedError

    def stop(self):
        raise NotImplementedError

    def arrivals(self):
        raise NotImplementedError

    def sent(self):
        raise NotImplementedError


class UdpStream(Stream):
    """One `size`-byte UDP datagram every `interval` seconds from namespace of
    node `sender` (bound to `src_addr` if given, e.g. the sender's announced
    address so the receiver has a route back) to `dst_addr`:`port`, received by
    a socket in node `receiver`'s namespace. Both sockets are created by the
    lab process inside the namespaces (`lab.ns_socket`) and served by two
    threads, so no process is left behind. A sender that falls behind (GIL,
    busy machine) skips ahead instead of bursting."""

    def __init__(self, lab, sender, receiver, dst_addr, port=7700, interval=0.005, src_addr=None, size=64):
        self.lab, self.dst = lab, (dst_addr, port)
        self.interval, self.size = interval, max(size, _HEADER.size)
        self.tx = labmod.ns_socket(lab.ns_of(sender), socket.AF_INET, socket.SOCK_DGRAM)
        if src_addr:
            self.tx.bind((src_addr, 0))
        self.rx = labmod.ns_socket(lab.ns_of(receiver), socket.AF_INET, socket.SOCK_DGRAM)
        self.rx.bind(("0.0.0.0", port))
        self.rx.settimeout(0.1)
        self._arrivals, self._sent = [], []
        self.send_errors = 0
        self.send_error_kinds = {}
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._send_loop, daemon=True, name="udp-stream-tx"),
                         threading.Thread(target=self._recv_loop, daemon=True, name="udp-stream-rx")]

    def start(self):
        for t in self._threads:
            t.start()
        return self

    def _send_loop(self):
        seq = 0
        pad = b"\0" * (self.size - _HEADER.size)
        nxt = time.monotonic()
        while not self._stop.is_set():
            now = time.monotonic()
            if nxt > now:
                time.sleep(nxt - now)
            now = time.monotonic()
            seq += 1
            self._sent.append((now, seq))
            try:
                self.tx.sendto(_HEADER.pack(seq, now) + pad, self.dst)
            except OSError as e:  # EPERM (nftables drop on output), ENETUNREACH (no route)
                self.send_errors += 1
                name = e.__class__.__name__ if e.errno is None else str(e.errno)
                self.send_error_kinds[name] = self.send_error_kinds.get(name, 0) + 1
            nxt += self.interval
            if nxt < now - 10 * self.interval:
                nxt = now + self.interval  # fell far behind: do not burst

    def _recv_loop(self):
        while not self._stop.is_set():
            try:
                data = self.rx.recv(2048)
            except socket.timeout:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                continue
            t = time.monotonic()
            if len(data) >= _HEADER.size:
                self._arrivals.append((t, _HEADER.unpack_from(data)[0]))

    def stop(self):
        if self._stop.is_set():
            return
        self._stop.set()
        for t in self._threads:
            if t.is_alive():
                t.join(timeout=2)
        self.tx.close()
        self.rx.close()

    def arrivals(self):
        return list(self._arrivals)

    def sent(self):
        return list(self._sent)


def tx_packets(lab, name):
    """{interface: tx packets} of node `name`'s link interfaces (l<k>, s<k>)."""
    r = labmod.run(["ip", "-n", lab.ns_of(name), "-s", "-j", "link", "show"])
    out = {}
    for i in json.loads(r.stdout):
        if i["ifname"][:1] in ("l", "s") and i["ifname"][1:].isdigit():
            out[i["ifname"]] = i.get("stats64", i.get("stats", {})).get("tx", {}).get("packets", 0)
    return out


def busiest_link(lab, name, window=1.0):
    """The neighbour of `name` whose link sent the most packets from `name` in
    the next `window` seconds, and that count: (neighbour, packets)."""
    before = tx_packets(lab, name)
    time.sleep(window)
    after = tx_packets(lab, name)
    best = None
    for other in lab.topo.neighbours(name):
        dev = lab.iface(name, other)
        n = after.get(dev, 0) - before.get(dev, 0)
        if best is None or n > best[1]:
            best = (other, n)
    return best


def longest_gap(times):
    """(gap, start, end): the longest interval between consecutive times."""
    best = (0.0, None, None)
    for x, y in zip(times, times[1:]):
        if y - x > best[0]:
            best = (y - x, x, y)
    return best


def measure_gap(lab, sender, receiver, dst_addr=None, cut_link="auto", stream=None, interval=0.005,
                before=2.0, after=2.0, timeout=40.0, restore=True, src_addr=None, port=7700, out=None):
    """Delivery gap at `receiver` when the link in use is cut silently.

    lab       a started lab.Lab whose routing (babeld, Hyphae, ...) has converged,
              with an alternate path available
    sender, receiver
              node names, e.g. "src" and "dst" of lab.diamond()
    dst_addr  where the default UdpStream sends (the receiver's announced
              address); not needed when `stream` is given
    cut_link  "auto": the sender's link that carried the most packets while the
              stream ran for `before` seconds (the path in use); or a pair
              (a, b) naming a link to cut; cut with Lab.cut (nftables drop of
              everything on that veth, both hooks, both ends: no carrier change)
    stream    a Stream (start/stop/arrivals/sent); default UdpStream(lab,
              sender, receiver, dst_addr, port, interval, src_addr). A Hyphae
              measurement passes its own stream of mesh messages here.
    before    seconds of streaming before the cut (also the noise baseline)
    after     seconds to keep streaming once delivery has resumed (a later
              second outage, e.g. a flapping route, still counts)
    timeout   give up waiting for delivery to resume this long after the cut
    restore   undo the cut at the end (the lab can be measured again)

    Returns a dict:
      gap_s          longest interval between consecutive arrivals from the last
                     arrival before the cut on (None if delivery never resumed)
      recovered      a datagram sent after the cut arrived within `timeout`
      resumed_after_s  first arrival of a datagram sent after the cut was in
                     place, minus the time the cut started
      cut            [a, b], the link cut;  via_before / via_after: the sender's
                     neighbour carrying the stream before the cut / at the end
      baseline_gap_s longest interval between arrivals before the cut (noise)
      sent, received, lost, send_errors, interval_s, before_s, after_s
    Raises AssertionError if nothing arrives before the cut."""
    out = out or (lambda *a: None)
    own = stream is None
    if own:
        if dst_addr is None:
            raise ValueError("measure_gap: dst_addr or stream is required")
        stream = UdpStream(lab, sender, receiver, dst_addr, port=port, interval=interval, src_addr=src_addr)
    stream.start()
    try:
        labmod.wait_until(lambda: len(stream.arrivals()) >= 10, 10, f"the stream {sender} -> {receiver} to flow",
                          interval=0.05)
        if cut_link == "auto":
            via_before, n = busiest_link(lab, sender, window=before)
            if n < before / interval / 4:
                out(f"measure_gap: only {n} packets on {sender}-{via_before} in {before:.1f}s")
            cut = (sender, via_before)
        else:
            time.sleep(before)
            cut = tuple(cut_link)
            via_before = cut[1] if cut[0] == sender else (cut[0] if cut[1] == sender else None)
        t_cut = time.monotonic()
        lab.cut(*cut)
        t_cut_done = time.monotonic()  # both ends' nftables rules are in place
        out(f"measure_gap: cut {cut[0]}-{cut[1]} silently")

        # A post-cut datagram arrived: one whose send time is after the cut.
        first_after = None
        deadline = t_cut + timeout
        while time.monotonic() < deadline:
            sent_at = {seq: t for t, seq in stream.sent()}
            for t, seq in stream.arrivals():
                if sent_at.get(seq, 0) > t_cut_done:
                    first_after = t
                    break
            if first_after is not None:
                break
            time.sleep(0.05)
        if first_after is not None:
            time.sleep(after)
            via_after = busiest_link(lab, sender, window=min(1.0, after))[0]
        else:
            via_after = None
        t_end = time.monotonic()
    finally:
        stream.stop()
    if restore:
        lab.restore(*cut)

    arr = stream.arrivals()
    sent = stream.sent()
    times = [t for t, _ in arr]
    pre = [t for t in times if t <= t_cut]
    post = [t for t in times if t > t_cut]
    baseline = longest_gap([t for t in pre if t >= t_cut - before])[0]
    if first_after is not None and pre:
        gap, g0, g1 = longest_gap([pre[-1]] + post)
    else:
        gap, g0, g1 = None, (pre[-1] if pre else None), None
    if not pre:
        raise AssertionError("measure_gap: nothing arrived before the cut")
    received = {seq for _, seq in arr}
    lost = sum(1 for _, seq in sent if seq not in received)
    return {
        "gap_s": None if gap is None else round(gap, 4),
        "recovered": first_after is not None,
        "resumed_after_s": None if first_after is None else round(first_after - t_cut, 4),
        "gap_from_cut_s": None if g0 is None else round(g0 - t_cut, 4),
        "cut": list(cut),
        "via_before": via_before,
        "via_after": via_after,
        "baseline_gap_s": round(baseline, 4),
        "sent": len(sent),
        "received": len(arr),
        "lost": lost,
        "send_errors": stream.send_errors,
        "interval_s": getattr(stream, "interval", interval),
        "before_s": before,
        "after_s": after,
        "timeout_s": timeout,
        "cut_took_s": round(t_cut_done - t_cut, 4),
        "observed_s": round(t_end - t_cut, 2),
        "t_cut_monotonic": t_cut,
    }


# ---- Hyphae: a stream of mesh messages ------------------------------------------------------------

def _websocket_module():
    try:
        import websocket  # python3-websocket (websocket-client)
    except ImportError:
        # A python3 other than Debian's (pyenv, a venv) does not see Debian's
        # packages; websocket-client is pure Python, so Debian's copy works.
        import sys
        if "/usr/lib/python3/dist-packages" not in sys.path:
            sys.path.append("/usr/lib/python3/dist-packages")
        import websocket
    return websocket


class HyphaeStream(Stream):
    """Numbered Hyphae messages from node `sender` to node `receiver` through
    the mesh, one every `interval` seconds.

    Sending: `POST /api/mesh/messages` {"to": receiver's node id, "type":
    NOTIFICATION, "priority": HIGH, "payload": "<tag> <seq>"} over
    `connections` keep-alive HTTP connections to the sender's admin API (opened
    inside the sender's namespace) that take turns on one schedule; the send
    time is taken just before the request. The POST is synchronous (the
    message is journaled in SQLite before 202), so one connection alone cannot
    keep a 10 ms pace on a busy machine. A request that does not answer 202
    counts as a send error (the seq is lost unless it arrives anyway). A
    stream that falls far behind skips ahead instead of bursting.

    Receiving: a WebSocket on the receiver's `/api/mesh/events`, opened inside
    its namespace; each `message.received` event from the sender whose
    payload is "reroute <seq>" is an arrival at time.monotonic() of receipt.
    A seq seen twice is a duplicate (`duplicates`; delivery is exactly-once,
    so this must stay 0).

    stop() stops sending, then waits up to `drain` seconds for every message
    the API accepted to arrive (reliable delivery keeps retransmitting after
    the cut), so `lost` counts only messages that were really never delivered."""

    def __init__(self, lab, sender, receiver, interval=0.01, priority="HIGH", drain=5.0, tag="reroute",
                 connections=8):
        self.lab, self.sender, self.receiver = lab, sender, receiver
        self.interval, self.priority, self.drain, self.tag = interval, priority, drain, tag
        self.to = lab[receiver].node_id
        self.from_id = lab[sender].node_id
        self._arrivals, self._sent, self._accepted = [], [], set()
        self._seen = set()
        self.duplicates = 0
        self.send_errors = 0
        self.send_error_kinds = {}
        self.post_ms = []  # duration of each POST (the API's cost, not the mesh's)
        self._stop_tx, self._stop_rx = threading.Event(), threading.Event()
        self._lock = threading.Lock()
        ws_mod = _websocket_module()
        sock = labmod.ns_socket(lab.ns_of(receiver))
        sock.settimeout(10)
        sock.connect(("127.0.0.1", labmod.API_PORT))
        self.ws = ws_mod.create_connection(f"ws://127.0.0.1:{labmod.API_PORT}/api/mesh/events", socket=sock,
                                           timeout=10)
        self.ws.settimeout(0.2)
        self._ws_timeout = ws_mod.WebSocketTimeoutException
        self._seq, self._next = 0, None
        self._tx_threads = [threading.Thread(target=self._send_loop, daemon=True, name=f"hyphae-stream-tx{k}",
                                             args=(labmod._NsHTTPConnection(lab.ns_of(sender), "127.0.0.1",
                                                                            labmod.API_PORT, 5.0),))
                            for k in range(max(1, connections))]
        self._threads = self._tx_threads + [
            threading.Thread(target=self._recv_loop, daemon=True, name="hyphae-stream-rx")]

    def start(self):
        for t in self._threads:
            t.start()
        return self

    def _post(self, conn, seq):
        body = json.dumps({"to": self.to, "type": "NOTIFICATION", "priority": self.priority,
                           "payload": f"{self.tag} {seq}"}).encode()
        try:
            conn.request("POST", "/api/mesh/messages", body=body, headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            raw = r.read()
            if r.status == 202:
                return None
            return f"http {r.status}: {raw[:120].decode(errors='replace')}"
        except (OSError, http_client.HTTPException) as e:
            conn.close()  # reconnects on the next request
            return e.__class__.__name__

    def _take_slot(self):
        """The next (send time, seq) of the shared schedule: the connections
        take turns, so one slow POST does not hold the stream back (the API
        answers only once the message is journaled)."""
        with self._lock:
            now = time.monotonic()
            if self._next is None or self._next < now - 10 * self.interval:
                self._next = now  # first slot, or fell far behind: do not burst
            at = self._next
            self._next += self.interval
            self._seq += 1
            return at, self._seq

    def _send_loop(self, conn):
        try:
            while not self._stop_tx.is_set():
                at, seq = self._take_slot()
                delay = at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                if self._stop_tx.is_set():
                    return
                now = time.monotonic()
                with self._lock:
                    self._sent.append((now, seq))
                err = self._post(conn, seq)
                with self._lock:
                    self.post_ms.append((time.monotonic() - now) * 1000)
                    if err is None:
                        self._accepted.add(seq)
                    else:
                        self.send_errors += 1
                        self.send_error_kinds[err] = self.send_error_kinds.get(err, 0) + 1
        finally:
            conn.close()

    def _recv_loop(self):
        prefix = self.tag + " "
        while not self._stop_rx.is_set():
            try:
                raw = self.ws.recv()
            except self._ws_timeout:
                continue
            except Exception:  # closed
                if self._stop_rx.is_set():
                    return
                time.sleep(0.05)
                continue
            t = time.monotonic()
            try:
                ev = json.loads(raw)
            except ValueError:
                continue
            if ev.get("type") != "message.received":
                continue
            data = ev.get("data") or {}
            payload = data.get("payload") or ""
            if ev.get("node_id") not in (None, self.from_id) or not payload.startswith(prefix):
                continue
            try:
                seq = int(payload[len(prefix):])
            except ValueError:
                continue
            with self._lock:
                if seq in self._seen:
                    self.duplicates += 1
                    continue
                self._seen.add(seq)
                self._arrivals.append((t, seq))

    def stop(self):
        if self._stop_tx.is_set():
            return
        self._stop_tx.set()
        for t in self._tx_threads:
            if t.is_alive():
                t.join(timeout=10)
        deadline = time.monotonic() + self.drain
        while time.monotonic() < deadline:
            with self._lock:
                if self._accepted <= self._seen:
                    break
            time.sleep(0.05)
        self._stop_rx.set()
        self._threads[1].join(timeout=2)
        try:
            self.ws.close()
        except Exception:
            pass

    def arrivals(self):
        with self._lock:
            return list(self._arrivals)

    def sent(self):
        with self._lock:
            return sorted(self._sent)


def _dest_is(destination, node_id):
    """A route's destination (the node's ULA /128, fd + the first 120 bits of
    its id; or the id itself) names node `node_id`."""
    if destination == node_id:
        return True
    try:
        net = ipaddress.ip_network(destination, strict=False)
    except ValueError:
        return False
    return net.version == 6 and net.network_address.exploded.replace(":", "")[2:] == node_id[:30]


class RouteWatcher:
    """`route.changed` events for routes to node `dest` on node `name`'s
    WebSocket, with the lab process's time.monotonic() of receipt:
    events = [(t, kind, next hop's lab name)]."""

    def __init__(self, lab, name, dest):
        ws_mod = _websocket_module()
        sock = labmod.ns_socket(lab.ns_of(name))
        sock.settimeout(10)
        sock.connect(("127.0.0.1", labmod.API_PORT))
        self.ws = ws_mod.create_connection(f"ws://127.0.0.1:{labmod.API_PORT}/api/mesh/events", socket=sock,
                                           timeout=10)
        self.ws.settimeout(0.2)
        self._timeout = ws_mod.WebSocketTimeoutException
        self.dest_id = lab[dest].node_id
        self.by_id = {n.node_id: k for k, n in lab.nodes.items()}
        self.events = []
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._loop, daemon=True, name="route-watcher")
        self._t.start()

    def _loop(self):
        while not self._stop.is_set():
            try:
                raw = self.ws.recv()
            except self._timeout:
                continue
            except Exception:
                return
            t = time.monotonic()
            try:
                ev = json.loads(raw)
            except ValueError:
                continue
            d = ev.get("data") or {}
            if ev.get("type") == "route.changed" and _dest_is(d.get("destination", ""), self.dest_id):
                self.events.append((t, d.get("kind"), self.by_id.get(d.get("next_hop"))))

    def stop(self):
        self._stop.set()
        self._t.join(timeout=2)
        try:
            self.ws.close()
        except Exception:
            pass


def hyphae_routes(lab, name, dest):
    """Node `name`'s Babel route entries to node `dest` (GET /api/mesh/routes),
    each with "via": the lab name of its next hop."""
    by_id = {n.node_id: k for k, n in lab.nodes.items()}
    out = []
    for r in lab[name].get("/api/mesh/routes"):
        if _dest_is(r.get("destination", ""), lab[dest].node_id) and r.get("metric", 0xFFFF) < 0xFFFF:
            out.append(dict(r, via=by_id.get(r.get("next_hop"))))
    return out


def wait_hyphae_routes(lab, sender, receiver, timeout=60.0):
    """Until `sender` has a selected route to `receiver` and a feasible route
    through every other neighbour too (the alternate is known), and `receiver`
    has a selected route back (its acks are routed). Returns seconds waited."""
    t0 = time.monotonic()
    want = set(lab.topo.neighbours(sender))

    def ok():
        rs = hyphae_routes(lab, sender, receiver)
        back = hyphae_routes(lab, receiver, sender)
        return (any(r["selected"] for r in rs) and {r["via"] for r in rs if r.get("feasible", True)} >= want
                and any(r["selected"] for r in back))

    labmod.wait_until(ok, timeout, f"hyphae routes {sender} -> {receiver} via {sorted(want)}", interval=0.2)
    return time.monotonic() - t0


def selected_via(lab, sender, receiver):
    for r in hyphae_routes(lab, sender, receiver):
        if r["selected"]:
            return r["via"]
    return None


def inbox_check(lab, receiver, sender, tag="reroute"):
    """(distinct seqs, duplicate entries) of `tag` messages from `sender` in
    `receiver`'s inbox: a second, independent count of exactly-once delivery."""
    seen, dup = set(), 0
    for e in lab[receiver].inbox():
        p = e.get("payload") or ""
        if e.get("from") == lab[sender].node_id and p.startswith(tag + " "):
            s = p.split()[1]
            if s in seen:
                dup += 1
            seen.add(s)
    return len(seen), dup


def measure_hyphae(lab, sender="src", receiver="dst", runs=1, interval=0.01, before=2.0, after=2.0,
                   timeout=20.0, out=labmod.log, variant="hyphae"):
    """`runs` silent cuts of the link `sender` uses to reach `receiver` on a
    started Hyphae lab (a fresh HyphaeStream each, with its own tag; routes
    re-converged and the cut restored between runs). Returns measure_gap
    results with "variant", "converged_s", "duplicates", "inbox_distinct",
    "inbox_duplicates", "post_ms_p50/p99" and "route_before/after" added."""
    results = []
    for i in range(runs):
        conv = wait_hyphae_routes(lab, sender, receiver)
        route_before = selected_via(lab, sender, receiver)
        tag = f"reroute{os.getpid()}x{i}"
        stream = HyphaeStream(lab, sender, receiver, interval=interval, tag=tag)
        watcher = RouteWatcher(lab, sender, receiver)
        try:
            r = measure_gap(lab, sender, receiver, stream=stream, interval=interval, before=before, after=after,
                            timeout=timeout, out=out)
        finally:
            watcher.stop()
        # When the sender's route to the receiver moved off the cut link
        # (neighbour_timeout after the last packet heard on it, then the
        # feasible alternate): the part of the gap that is failure detection.
        t_cut = r.pop("t_cut_monotonic")
        switched = [t for t, kind, via in watcher.events if t > t_cut and kind == "selected" and via != r["cut"][1]]
        r["route_switch_s"] = round(switched[0] - t_cut, 4) if switched else None
        r["route_events"] = [(round(t - t_cut, 4), kind, via) for t, kind, via in watcher.events if t > t_cut - 1]
        if r["via_before"] != route_before:
            out(f"{variant}: the busiest link was src-{r['via_before']}, the selected route via {route_before}")
        r["variant"] = variant
        r["converged_s"] = round(conv, 2)
        r["duplicates"] = stream.duplicates
        r["send_error_kinds"] = dict(stream.send_error_kinds)
        pm = sorted(stream.post_ms)
        if pm:
            r["post_ms_p50"] = round(pm[len(pm) // 2], 2)
            r["post_ms_p99"] = round(pm[min(len(pm) - 1, int(len(pm) * 0.99))], 2)
        r["route_before"] = route_before
        # Per message: the gap ends with the first new message over the new
        # path, but messages already sent into the dead link wait for their
        # retransmission (end-to-end RTO, doubling per attempt).
        sent_at = dict((seq, t) for t, seq in stream.sent())
        lat = sorted(((t - sent_at[seq], seq) for t, seq in stream.arrivals() if seq in sent_at), reverse=True)
        if lat:
            r["latency_max_s"] = round(lat[0][0], 4)
            r["latency_p50_s"] = round(sorted(x for x, _ in lat)[len(lat) // 2], 4)
            r["late_over_1s"] = sum(1 for x, _ in lat if x > 1.0)
        try:
            r["inbox_distinct"], r["inbox_duplicates"] = inbox_check(lab, receiver, sender, tag)
        except (OSError, AssertionError) as e:
            out(f"measure_hyphae: inbox check failed: {e}")
        r["loadavg_1m"] = round(os.getloadavg()[0], 2)
        results.append(r)
        gap = "none (no recovery)" if r["gap_s"] is None else f"{r['gap_s']:.2f} s"
        out(f"{variant}: gap {gap}  (cut {r['cut'][0]}-{r['cut'][1]}, route via {route_before}, then via "
            f"{r['via_after']}; {r['lost']} of {r['sent']} lost, {r['duplicates']} duplicates, "
            f"route switched {r['route_switch_s']} s after the cut, "
            f"noise before the cut {r['baseline_gap_s'] * 1000:.0f} ms, slowest message "
            f"{r.get('latency_max_s', 0):.2f} s, load {r['loadavg_1m']})")
        if i + 1 < runs:
            time.sleep(1.0)
    return results
