#!/usr/bin/env python3
"""The lab leaves nothing behind: two labs in a row both work; a lab process
killed with SIGKILL leaves namespaces that `lab.py cleanup` (or the next lab's
start) removes; SIGTERM tears a lab down by itself. Also checks that partial
topologies (diamond, chain) only connect declared neighbours."""

import os
import signal
import subprocess
import sys
import time

import lab

LAB_PY = os.path.join(lab.HERE, "lab.py")


def namespaces_of(pid):
    return [ns for ns, owner in lab.lab_namespaces() if owner == pid]


def workdirs_of(pid):
    import tempfile
    return [d for d in os.listdir(tempfile.gettempdir()) if d.startswith(f"{lab.TMP_PREFIX}{pid}-")]


def check_partial(l, topo):
    l.wait_connected(timeout=60)
    for name in topo.nodes:
        want = {l[m].node_id for m in topo.neighbours(name)}
        have = set(l[name].connected())
        assert have == want, f"{name}: connected to {have}, expected exactly its neighbours {want}"
    a, b = topo.links[0].a, topo.links[0].b
    mid = l[a].send(l[b].node_id, "over the first link")
    lab.wait_until(lambda: any(e["id"] == mid for e in l[b].inbox()), 20, "message over the first link")


def test_twice_in_a_row():
    for round in (1, 2):
        topo = lab.chain(3)
        with lab.Lab(topo) as l:
            check_partial(l, topo)
            prefix = l.prefix
            workdir = l.dir
        left = [ns for ns, _ in lab.lab_namespaces() if ns.startswith(prefix)]
        assert not left, f"round {round}: namespaces left behind: {left}"
        assert not os.path.exists(workdir), f"round {round}: work dir left behind: {workdir}"


def start_run(scenario):
    p = subprocess.Popen([sys.executable, LAB_PY, "run", scenario], stdout=subprocess.PIPE, text=True,
                         env=dict(os.environ, PYTHONUNBUFFERED="1"))
    lines = []
    deadline = time.monotonic() + 90
    for line in p.stdout:
        lines.append(line)
        if line.strip() == "READY" or time.monotonic() > deadline:
            break
    assert lines and lines[-1].strip() == "READY", f"lab.py run {scenario} did not get ready: {lines}"
    assert namespaces_of(p.pid), "a running lab has namespaces"
    return p


def test_killed_run_then_cleanup_command():
    p = start_run("diamond")
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    p.stdout.close()
    left = namespaces_of(p.pid)
    assert len(left) == 4, f"expected the killed lab's 4 namespaces, found {left}"
    # its daemons die with it (PR_SET_PDEATHSIG)
    lab.wait_until(lambda: not any(subprocess.run(["ip", "netns", "pids", ns], capture_output=True,
                                                  text=True).stdout.strip() for ns in left),
                   10, "daemons of the killed lab to exit")
    r = subprocess.run([sys.executable, LAB_PY, "cleanup"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    print(r.stdout.strip().splitlines()[-1], flush=True)
    assert not namespaces_of(p.pid), f"cleanup left {namespaces_of(p.pid)}"
    assert not workdirs_of(p.pid), f"cleanup left {workdirs_of(p.pid)}"
    topo = lab.diamond()
    with lab.Lab(topo) as l:
        check_partial(l, topo)


def test_killed_run_then_next_lab_cleans():
    p = start_run("chain")
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    p.stdout.close()
    assert namespaces_of(p.pid)
    topo = lab.diamond()
    with lab.Lab(topo) as l:  # its start removes the stale namespaces
        assert not namespaces_of(p.pid), f"stale namespaces survived a lab start: {namespaces_of(p.pid)}"
        assert not workdirs_of(p.pid)
        check_partial(l, topo)


def test_sigterm_tears_down():
    p = start_run("chain")
    p.send_signal(signal.SIGTERM)
    rc = p.wait(timeout=60)
    p.stdout.close()
    assert not namespaces_of(p.pid), f"SIGTERM left {namespaces_of(p.pid)}"
    assert not workdirs_of(p.pid)
    assert rc == 128 + signal.SIGTERM, f"lab.py run exited {rc} on SIGTERM"


if __name__ == "__main__":
    lab.run_tests([test_twice_in_a_row, test_killed_run_then_cleanup_command,
                   test_killed_run_then_next_lab_cleans, test_sigterm_tears_down])
