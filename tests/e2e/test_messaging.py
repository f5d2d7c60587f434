"""Two and three real daemons on loopback connect, and a message sent with
`hyphae send` appears in the receiver's `hyphae inbox --json` unchanged."""

import json
import sys

from harness import Mesh, run_tests, wait_until


def send_and_check(sender, receiver, text, mtype, priority):
    out = sender.cli("send", "--to", receiver.node_id, "--type", mtype, "--priority", priority, text)
    msg_id = out.stdout.strip()
    assert len(msg_id) == 16, out.stdout

    def arrived():
        inbox = json.loads(receiver.cli("inbox", "--json").stdout)
        return [m for m in inbox if m["id"] == msg_id]

    got = wait_until(arrived, what=f"message {msg_id} at {receiver.name}")
    assert len(got) == 1
    m = got[0]
    assert m["payload"] == text, m
    assert m["type"] == mtype, m
    assert m["priority"] == priority, m
    assert m["from"] == sender.node_id, m
    assert m["received_at"].endswith("Z"), m


def test_two_nodes():
    with Mesh() as mesh:
        a = mesh.add("a").start()
        b = mesh.add("b", peers=[a.mesh]).start()
        wait_until(lambda: b.node_id in a.connected_peers(), what="a sees b")
        wait_until(lambda: a.node_id in b.connected_peers(), what="b sees a")
        peers = json.loads(a.cli("peers", "--json").stdout)
        assert set(peers[0]) == {"node_id", "address", "state", "session", "health", "rtt_ms"}, peers
        send_and_check(b, a, "hello from b", "TASK", "HIGH")
        send_and_check(a, b, "ünïcødé ✓ and \"quotes\"", "NOTIFICATION", "LOW")
        # A clean stop says goodbye: a forgets b at once, not after the 20 s session timeout.
        b.stop()
        wait_until(lambda: b.node_id not in a.connected_peers(), timeout=3, what="a forgets b after SIGTERM")


def test_three_nodes_full_mesh():
    with Mesh() as mesh:
        a = mesh.add("a").start()
        b = mesh.add("b", peers=[a.mesh]).start()
        c = mesh.add("c", peers=[a.mesh, b.mesh]).start()
        nodes = [a, b, c]
        for n in nodes:
            others = {o.node_id for o in nodes if o is not n}
            wait_until(lambda n=n, others=others: n.connected_peers() >= others, what=f"{n.name} full view")
        kinds = ["QUERY", "RESPONSE", "PARAMETER_UPDATE", "CRITICAL"]
        for i, (s, r) in enumerate([(a, c), (c, b), (b, a)]):
            send_and_check(s, r, f"{s.name} to {r.name}", kinds[i], ["CRITICAL", "MEDIUM", "LOW"][i])


def test_inbox_survives_restart():
    with Mesh() as mesh:
        a = mesh.add("a").start()
        b = mesh.add("b", peers=[a.mesh]).start()
        wait_until(lambda: b.node_id in a.connected_peers(), what="connect")
        send_and_check(a, b, "keep me", "TASK", "MEDIUM")
        old_id = b.node_id
        b.stop()
        b.start()
        assert b.node_id == old_id, "identity key must persist"
        inbox = json.loads(b.cli("inbox", "--json").stdout)
        assert [m["payload"] for m in inbox] == ["keep me"], inbox


if __name__ == "__main__":
    sys.exit(run_tests([test_two_nodes, test_three_nodes_full_mesh, test_inbox_survives_restart]))
