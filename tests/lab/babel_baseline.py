#!/usr/bin/env python3
"""babeld baseline for the reroute gap (issue 6): `babeld` (Debian package,
1.12) in every namespace of lab.diamond() (src -> {up, down} -> dst, one /24
per veth link), each node announcing a /32 on its loopback
(10.78.0.<n>, `redistribute local`), a UDP stream src -> dst every 5 ms, and a
silent cut (nftables drop, both directions) of the src link in use.

    babel_baseline.py [--hello 4] [--runs 1] [--json]     # one variant
    babel_baseline.py --hello default --hello 0.5 --runs 2

`--hello default` leaves babeld's hello intervals alone (4 s); a number is
passed as both `-h` (wireless) and `-H` (wired; veths are wired). Prints
`babeld default: gap X.XX s` / `babeld -H 0.5: gap Y.YY s` per run, and with
--json one JSON line at the end. Needs root and babeld; exits 77 if missing.

Library use (bench/reroute, a Hyphae comparison):
    with lab.Lab(lab.diamond(), daemons=False) as l:
        start_babeld(l, hello=0.5)
        wait_converged(l, "src", "dst")
        r = reroute.measure_gap(l, "src", "dst", announced(l, "dst"), src_addr=announced(l, "src"))
"""

import argparse
import json
import os
import shutil
import socket
import sys
import time

import lab as labmod
import reroute

ANNOUNCED_NET = "10.78.0"  # node n (topology order, from 1) announces 10.78.0.<n>/32


def announced(lab, name):
    """The /32 address node `name` announces through babeld (on its lo)."""
    return f"{ANNOUNCED_NET}.{lab.topo.nodes.index(name) + 1}"


def babeld_binary():
    return shutil.which("babeld") or (os.path.exists("/usr/sbin/babeld") and "/usr/sbin/babeld") or None


def start_babeld(lab, hello=None, extra_args=()):
    """Puts each node's announced /32 on its loopback and starts one babeld per
    node on all of its link interfaces (state, pid, log and control socket in
    the node's work directory; helper processes of the lab, so Lab.close and
    `lab.py cleanup` stop them). hello=None keeps babeld's defaults (4 s);
    a number sets both -h and -H. Returns {node: Popen}."""
    binary = babeld_binary()
    if not binary:
        raise FileNotFoundError("babeld not found (apt-get install babeld; scripts/deps installs it)")
    procs = {}
    for name, node in lab.nodes.items():
        labmod.run(["ip", "-n", node.ns, "addr", "add", f"{announced(lab, name)}/32", "dev", "lo"])
        ifaces = [lab.iface(name, o) for o in lab.topo.neighbours(name)]
        d = node.dir
        argv = [binary, "-d", "0", "-I", os.path.join(d, "babeld.pid"), "-S", os.path.join(d, "babel-state"),
                "-L", os.path.join(d, "babeld.log"), "-g", os.path.join(d, "babeld.sock")]
        if hello is not None:
            argv += ["-h", str(hello), "-H", str(hello)]
        argv += list(extra_args)
        argv += ["-C", f"redistribute local ip {ANNOUNCED_NET}.0/24 ge 32 allow", "-C", "redistribute local deny"]
        argv += ifaces
        procs[name] = lab.spawn_helper(name, argv, log_path=os.path.join(d, "babeld.out"), label="babeld")
    return procs


def dump(lab, name, timeout=2.0):
    """The lines of babeld's `dump` on node `name` (local control socket)."""
    path = os.path.join(lab.nodes[name].dir, "babeld.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(path)
        buf = b""

        def until_ok():
            nonlocal buf
            while not any(l in (b"ok", b"no", b"bad") for l in buf.split(b"\n")):
                chunk = s.recv(65536)
                if not chunk:
                    break
                buf += chunk

        until_ok()  # greeting: BABEL 1.0, version, host, my-id, ok
        buf = b""
        s.sendall(b"dump\n")
        until_ok()
        return buf.decode(errors="replace").splitlines()
    finally:
        s.close()


def routes(lab, name, prefix):
    """babeld's routes on `name` for `prefix` (e.g. "10.78.0.4/32"):
    [{"via": neighbour link-local, "if": dev, "installed": bool, "metric": int}]."""
    out = []
    try:
        lines = dump(lab, name)
    except OSError:
        return out
    for line in lines:
        w = line.split()
        if len(w) < 3 or w[0] != "add" or w[1] != "route" or "prefix" not in w:
            continue
        f = {w[i]: w[i + 1] for i in range(3, len(w) - 1)}
        if f.get("prefix") != prefix:
            continue
        out.append({"via": f.get("via"), "if": f.get("if"), "installed": f.get("installed") == "yes",
                    "metric": int(f.get("metric", "65535"))})
    return out


def kernel_via(lab, sender, dst_addr):
    """The neighbour of `sender` its kernel route to dst_addr points at, or None."""
    r = labmod.run(["ip", "-n", lab.ns_of(sender), "-j", "route", "get", dst_addr], check=False)
    if r.returncode != 0:
        return None
    try:
        dev = json.loads(r.stdout)[0].get("dev")
    except (ValueError, IndexError):
        return None
    for other in lab.topo.neighbours(sender):
        if lab.iface(sender, other) == dev:
            return other
    return None


def wait_converged(lab, sender, receiver, timeout=90.0):
    """Until babeld on `sender` has a finite-metric route to `receiver`'s
    announced /32 through every one of its neighbours (so an alternate exists),
    one of them installed in the kernel, and `receiver` has a route back to
    `sender`'s. Returns the seconds waited."""
    t0 = time.monotonic()
    want = len(lab.topo.neighbours(sender))
    dst, src = f"{announced(lab, receiver)}/32", f"{announced(lab, sender)}/32"

    def ok():
        rs = [r for r in routes(lab, sender, dst) if r["metric"] < 65535]
        back = [r for r in routes(lab, receiver, src) if r["metric"] < 65535 and r["installed"]]
        return (len({r["if"] for r in rs}) >= want and any(r["installed"] for r in rs) and back
                and kernel_via(lab, sender, announced(lab, receiver)) is not None)

    labmod.wait_until(ok, timeout, f"babeld routes {sender} -> {receiver} via all neighbours", interval=0.25)
    return time.monotonic() - t0


def variant_name(hello):
    return "babeld default" if hello is None else f"babeld -H {hello:g}"


def measure(hello=None, runs=1, out=labmod.log, interval=0.005, timeout=40.0):
    """Fresh diamond, babeld with `hello`, `runs` cuts (each of the link in use,
    restored afterwards, and re-converged before the next). Returns a list of
    measure_gap results, each with "variant" and "converged_s" added."""
    results = []
    with labmod.Lab(labmod.diamond(), daemons=False) as l:
        start_babeld(l, hello=hello)
        for i in range(runs):
            conv = wait_converged(l, "src", "dst")
            if i == 0:
                out(f"{variant_name(hello)}: converged {conv:.1f}s after start")
            time.sleep(1.0)  # let the stream start on a settled route
            r = reroute.measure_gap(l, "src", "dst", announced(l, "dst"), src_addr=announced(l, "src"),
                                    interval=interval, timeout=timeout)
            r["variant"] = variant_name(hello)
            r["hello_s"] = hello
            r["converged_s"] = round(conv, 2)
            results.append(r)
            gap = "none (no recovery)" if r["gap_s"] is None else f"{r['gap_s']:.2f} s"
            out(f"{variant_name(hello)}: gap {gap}  (cut src-{r['via_before']}, then via {r['via_after']}, "
                f"{r['lost']} of {r['sent']} lost, noise before the cut {r['baseline_gap_s'] * 1000:.0f} ms)")
            if not r["recovered"]:
                out(f"{variant_name(hello)}: delivery did not resume within {timeout:.0f}s; log tail of src:")
                try:
                    with open(os.path.join(l["src"].dir, "babeld.log"), errors="replace") as f:
                        out("".join(f.readlines()[-20:]))
                except OSError:
                    pass
        bad = [(n, p.returncode) for n, p, _ in l.helpers if p.poll() is not None]
        if bad:
            raise AssertionError(f"babeld exited early (node, code): {bad}")
    return results


def missing_requirements():
    why = labmod.missing_requirements()
    if why:
        return why
    if not babeld_binary():
        return "babeld not found (apt-get install babeld; scripts/deps installs it)"
    return None


def main(argv=None):
    p = argparse.ArgumentParser(description="babeld reroute-gap baseline on the lab diamond", prog="babel_baseline.py")
    p.add_argument("--hello", action="append", default=None,
                   help="'default' or seconds for -h/-H; repeat for several variants (default: default and 0.5)")
    p.add_argument("--runs", type=int, default=1, help="cuts per variant (one lab per variant)")
    p.add_argument("--interval", type=float, default=0.005, help="seconds between datagrams")
    p.add_argument("--timeout", type=float, default=40.0, help="give up on recovery after this")
    p.add_argument("--json", action="store_true", help="print all results as one JSON line at the end")
    a = p.parse_args(argv)
    why = missing_requirements()
    if why:
        labmod.log(f"SKIP: babeld baseline cannot run: {why}")
        return labmod.SKIP
    hellos = [None if h == "default" else float(h) for h in (a.hello or ["default", "0.5"])]
    all_results = []
    for h in hellos:
        all_results += measure(hello=h, runs=a.runs, interval=a.interval, timeout=a.timeout)
    if a.json:
        labmod.log(json.dumps(all_results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
