#!/usr/bin/env python3
"""The seed-000 seven-city world in seven namespaces: the mesh forms, every
city reaches every other, and the RTT each daemon measures is printed next to
the configured one (one-way delay emulated by the lab's UDP relay)."""

import time

import lab


def test_seven_city_mesh():
    topo = lab.seven_city()
    with lab.Lab(topo) as l:
        print(f"seven-city: {len(topo.links)} links (full mesh, links delayed by RTT/2 each way, "
              f"tbf 20mbit); namespaces in {l.setup_s:.1f}s, daemons ready in {l.start_s:.1f}s", flush=True)
        t0 = time.monotonic()
        l.wait_connected(timeout=60)
        print(f"seven-city: mesh formed in {time.monotonic() - t0:.1f}s", flush=True)

        # every ordered pair: one message each way
        sent = {}
        for a in lab.CITIES:
            for b in lab.CITIES:
                if a != b:
                    payload = f"{a} to {b}"
                    sent[payload] = (a, b, l[a].send(l[b].node_id, payload, type="QUERY"))
        t1 = time.monotonic()

        def delivered():
            got = {}
            for b in lab.CITIES:
                for e in l[b].inbox():
                    got.setdefault(e["payload"], []).append((b, e))
            return got

        got = lab.wait_until(lambda: (lambda g: g if len(g) == len(sent) else None)(delivered()), 30,
                             "all 42 messages delivered", interval=0.2)
        print(f"seven-city: all {len(sent)} ordered pairs delivered in {time.monotonic() - t1:.2f}s", flush=True)
        for payload, (a, b, mid) in sent.items():
            entries = got[payload]
            assert len(entries) == 1, f"{payload} delivered {len(entries)} times"
            where, e = entries[0]
            assert where == b and e["from"] == l[a].node_id and e["id"] == mid, (payload, where, e)

        # RTT: pings every 5 s; wait until every session has two samples' worth
        lab.wait_until(lambda: all(v is not None for v in l.rtt_matrix().values())
                       and len(l.rtt_matrix()) == 42, 30, "an RTT sample on every session")
        time.sleep(5.5)
        print(lab.format_rtt_table(l, lab.CITIES), flush=True)
        m = l.rtt_matrix()
        bad = []
        for (a, b), rtt in m.items():
            want = topo.expected_rtt[(a, b)]
            if rtt is None or rtt < 0.9 * want or rtt > max(2 * want, want + 150):
                bad.append((a, b, rtt, want))
        worst = max(((m[k] or 0) - topo.expected_rtt[k] for k in m), default=0)
        print(f"seven-city: measured - configured: max {worst:+.0f} ms over {len(m)} sessions; "
              f"relay forwarded {l.relay.forwarded} datagrams, {l.relay.errors} errors", flush=True)
        assert not bad, f"RTT far from configured (a, b, measured, configured): {bad}"
        for n in l.nodes.values():
            n.stop()
        l.check_clean_exits()


if __name__ == "__main__":
    lab.run_tests([test_seven_city_mesh])
