#!/usr/bin/env python3
"""Two daemons in two network namespaces joined by one veth pair, with NO
peers and NO bootstrap: LAN beacons (UDP 9999, the default [discovery]) alone
make them find each other, and membership then lists each alive at the other,
within 15 s."""

import time

import lab

FIND_TIMEOUT = 15.0


class LanLab(lab.Lab):
    """The lab's veth addresses come without a broadcast address (`ip addr add
    X/24`); a LAN from DHCP has one, and beacons go to it (255.255.255.255 has
    no route in a namespace without a default route). Give them one."""

    def _build_links(self):
        super()._build_links()
        for l in self.topo.links:
            for name, host in ((l.a, 1), (l.b, 2)):
                ns, addr, dev = self.nodes[name].ns, f"{self._addr(l.index, host)}/24", f"l{l.index}"
                lab.run(["ip", "-n", ns, "-batch", "-"],
                        input=f"addr del {addr} dev {dev}\naddr add {addr} brd + dev {dev}\n")


def test_beacons_alone_form_a_mesh():
    topo = lab.Topology("lan")
    topo.node("a")
    topo.node("b")
    topo.link("a", "b", dial="none")  # nobody dials: only beacons can bring them together
    with LanLab(topo, log_level="info") as mesh:
        a, b = mesh["a"], mesh["b"]
        for n in (a, b):
            assert not n.peers, n.peers
        started = min(a.started_at, b.started_at)  # times below count from the first daemon's start

        def sees(x, y):
            nodes = x.get("/api/mesh/nodes/discover")["nodes"]
            return any(e["node_id"] == y.node_id and e["state"] == "alive" for e in nodes)

        found = {}
        while len(found) < 2 and time.monotonic() - started < FIND_TIMEOUT:
            for x, y in ((a, b), (b, a)):
                if x.name not in found and sees(x, y):
                    found[x.name] = time.monotonic() - started
            time.sleep(0.1)
        lab.log("found by beacons: " + ", ".join(f"{n} after {t:.2f}s" for n, t in sorted(found.items())))
        assert len(found) == 2, f"not found within {FIND_TIMEOUT}s: {found}; stats a: " \
                                f"{a.stats().get('discovery')}, b: {b.stats().get('discovery')}"
        # One beacon heard is enough: the hearer joins the other through it
        # and membership tells the other in return.
        stats = {x.name: x.stats()["discovery"] for x in (a, b)}
        lab.log("beacons received: " + ", ".join(f"{n} {d['beacons_received']}" for n, d in stats.items()))
        assert all(d["port"] == 9999 for d in stats.values()), stats
        assert sum(d["beacons_received"] for d in stats.values()) > 0, stats
        assert "hyphae_discovery_beacons_received_total" in a.metrics()


if __name__ == "__main__":
    lab.run_tests([test_beacons_alone_form_a_mesh])
