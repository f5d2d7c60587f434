#!/usr/bin/env python3
"""Babel interface mode against real Babel routers (issue 6): a Hyphae daemon
with `[[babel]] interface = "l0"` in one namespace, and on the other end of
the veth link `babeld` (and then bird2's babel protocol, when `bird` is
installed) announcing fd99:77::/64 (a `proto static` route on lo). Within a bounded wait:

  - the other router's kernel table in its namespace has Hyphae's mesh
    prefix (the node's ULA /128) and the extra `announce` prefix
    fd42:77::/64 from `ip -6 route show proto babel` (or `proto bird`);
  - `hyphae routes --json` lists fd99:77::/64, selected, via babel.

Also: a [[babel]] interface that does not exist is a config error (exit 2).
Needs root and babeld; exits 77 with the reason otherwise."""

import ipaddress
import json
import os
import shutil
import subprocess
import sys
import time

import lab
from babel_baseline import babeld_binary

THEIR_PREFIX = "fd99:77::/64"  # announced by babeld / bird
EXTRA_PREFIX = "fd42:77::/64"  # `announce` in Hyphae's [[babel]]
CONVERGE_TIMEOUT = 30.0


def ula_of(node_id):
    """The mesh prefix of a node (crypto::ula_of): fd, then the first 15 bytes of its id."""
    return f"{ipaddress.IPv6Address(bytes.fromhex('fd' + node_id[:30]))}/128"


def wait_link_local(ns, dev, timeout=10.0):
    """Until `dev` has a link-local address that finished duplicate address
    detection (a tentative one cannot be a source address)."""

    def ok():
        out = lab.run(["ip", "-n", ns, "-6", "addr", "show", "dev", dev, "scope", "link"], check=False).stdout
        return "inet6 fe80" in out and "tentative" not in out

    lab.wait_until(ok, timeout, f"link-local address on {dev} in {ns}")


def start_hyphae(l, name, dev, hello="1s"):
    node = l.nodes[name]
    with open(os.path.join(node.dir, "node.toml"), "w") as f:
        f.write(f'identity = "node.key"\nlisten = "0.0.0.0:{lab.MESH_PORT}"\napi = "127.0.0.1:{lab.API_PORT}"\n'
                f'data_dir = "state"\nlog_level = "info"\n\n[discovery]\nenabled = false\n\n'
                f'[[babel]]\ninterface = "{dev}"\nhello_interval = "{hello}"\nannounce = ["{EXTRA_PREFIX}"]\n')
    node.spawn()
    node.wait_ready()
    return node


def add_their_prefix(ns):
    # On lo: the dummy module is not available everywhere.
    lab.run(["ip", "-n", ns, "-6", "route", "add", THEIR_PREFIX, "dev", "lo", "proto", "static"])


def kernel_babel_routes(ns, proto):
    return lab.run(["ip", "-n", ns, "-6", "route", "show", "proto", proto], check=False).stdout


def hyphae_routes(l, name):
    """`hyphae routes --json` run in the node's namespace against its API."""
    r = lab.run(["ip", "netns", "exec", l.ns_of(name), l.binary, "routes", "--json", "--api",
                 f"127.0.0.1:{lab.API_PORT}"], check=False)
    if r.returncode != 0:
        return []
    try:
        return json.loads(r.stdout)
    except ValueError:
        return []


def converge(l, hy, other, proto, label):
    """Waits until both sides have each other's prefixes; logs what they show."""
    mesh = ula_of(hy.node_id)
    other_ns = l.ns_of(other)

    def theirs_has_ours():
        out = kernel_babel_routes(other_ns, proto)
        return mesh.split("/")[0] in out and EXTRA_PREFIX in out

    def ours_has_theirs():
        return any(r["destination"] == THEIR_PREFIX and r.get("selected") and r.get("via") == "babel"
                   for r in hyphae_routes(l, hy.name))

    t0 = time.monotonic()
    lab.wait_until(lambda: theirs_has_ours() and ours_has_theirs(), CONVERGE_TIMEOUT,
                   f"{label} and hyphae to exchange prefixes (ours {mesh}, {EXTRA_PREFIX}; theirs {THEIR_PREFIX})",
                   interval=0.25)
    lab.log(f"{label}: converged in {time.monotonic() - t0:.1f}s")
    lab.log(f"{label} kernel routes (proto {proto}):\n" + kernel_babel_routes(other_ns, proto).rstrip())
    text = lab.run(["ip", "netns", "exec", l.ns_of(hy.name), l.binary, "routes", "--api",
                    f"127.0.0.1:{lab.API_PORT}"], check=False).stdout
    lab.log("hyphae routes:\n" + text.rstrip())
    routes = [r for r in hyphae_routes(l, hy.name) if r["destination"] == THEIR_PREFIX]
    assert routes and routes[0]["next_hop"].startswith("fe80:") and routes[0]["next_hop"].endswith("%l0"), routes
    assert 0 < routes[0]["metric"] < 65535, routes


def two_node_lab():
    topo = lab.Topology("babel")
    topo.node("hy")
    topo.node("other")
    topo.link("hy", "other", dial="none")
    return lab.Lab(topo, daemons=False)


def test_babeld_learns_mesh_prefix_and_hyphae_learns_babeld_prefix():
    with two_node_lab() as l:
        dev = l.iface("hy", "other")
        other_ns = l.ns_of("other")
        for name in ("hy", "other"):
            wait_link_local(l.ns_of(name), dev)
        add_their_prefix(other_ns)
        d = l.nodes["other"].dir
        l.spawn_helper("other", [babeld_binary(), "-d", "0", "-I", os.path.join(d, "babeld.pid"),
                                 "-S", os.path.join(d, "babel-state"), "-h", "1", "-H", "1",
                                 "-C", f"redistribute ip {THEIR_PREFIX} eq 64 allow",
                                 "-C", "redistribute local deny", dev], label="babeld")
        hy = start_hyphae(l, "hy", dev)
        converge(l, hy, "other", "babel", "babeld")
        hy.stop()


def test_bird_babel():
    bird = shutil.which("bird")
    if not bird:
        lab.log("bird2 not installed: bird interop not checked")
        return
    with two_node_lab() as l:
        dev = l.iface("hy", "other")
        other_ns = l.ns_of("other")
        for name in ("hy", "other"):
            wait_link_local(l.ns_of(name), dev)
        add_their_prefix(other_ns)
        d = l.nodes["other"].dir
        conf = os.path.join(d, "bird.conf")
        with open(conf, "w") as f:
            f.write(f"""router id 10.77.0.2;
protocol device {{ }}
protocol kernel {{ ipv6 {{ import none; export where source = RTS_BABEL; }}; }}
protocol static {{ ipv6; route {THEIR_PREFIX} unreachable; }}
protocol babel {{
  interface "{dev}" {{ type wired; hello interval 1 s; }};
  ipv6 {{ import all; export where source = RTS_STATIC || source = RTS_BABEL; }};
}}
""")
        l.spawn_helper("other", [bird, "-f", "-c", conf, "-s", os.path.join(d, "bird.ctl")], label="bird")
        hy = start_hyphae(l, "hy", dev)
        converge(l, hy, "other", "bird", "bird2")
        hy.stop()


def test_unknown_interface_is_a_config_error():
    with two_node_lab() as l:
        node = l.nodes["hy"]
        path = os.path.join(node.dir, "bad.toml")
        with open(path, "w") as f:
            f.write(f'identity = "node.key"\ndata_dir = "state"\n\n[[babel]]\ninterface = "nosuch0"\n')
        r = subprocess.run(["ip", "netns", "exec", node.ns, l.binary, "daemon", "--config", path],
                           capture_output=True, text=True, timeout=60)
        lab.log(f"unknown interface: exit {r.returncode}: {r.stderr.strip()}")
        assert r.returncode == 2, (r.returncode, r.stderr)
        assert "bad.toml:5" in r.stderr and "nosuch0" in r.stderr, r.stderr


if __name__ == "__main__":
    if babeld_binary() is None:
        lab.log("SKIP: babeld not found (scripts/deps installs it)")
        sys.exit(lab.SKIP)
    lab.run_tests([test_babeld_learns_mesh_prefix_and_hyphae_learns_babeld_prefix, test_bird_babel,
                   test_unknown_interface_is_a_config_error])
