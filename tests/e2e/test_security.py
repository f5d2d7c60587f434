"""The wire is opaque and authenticated: no plaintext payload on the wire, a
replayed datagram is rejected, and a node with the wrong network PSK cannot
join."""

import json
import os
import sys

from harness import Mesh, UdpRelay, run_tests, wait_until

PSK_A = "11" * 32
PSK_B = "22" * 32


def dropped(node, reason):
    return node.get("/api/mesh/stats")["rx_dropped"][reason]


def test_payload_never_in_plaintext_and_replay_rejected():
    with Mesh() as mesh:
        b = mesh.add("b").start()
        relay = UdpRelay(b.mesh_port)
        try:
            a = mesh.add("a", peers=[f"127.0.0.1:{relay.port}"]).start()
            relay.pump(1.5)
            assert b.node_id in a.connected_peers(), "a must connect to b through the relay"
            secret = "TOP-SECRET-" + os.urandom(8).hex()
            a.cli("send", "--to", b.node_id, "--type", "TASK", secret)
            relay.pump(1.0)
            inbox = json.loads(b.cli("inbox", "--json").stdout)
            assert [m["payload"] for m in inbox] == [secret], inbox
            assert len(relay.captured) >= 5, relay.captured
            for direction, data in relay.captured:
                assert secret.encode() not in data, f"plaintext payload seen {direction}"
                assert b"TOP-SECRET" not in data

            # Replay every datagram a sent to b: none may be accepted again.
            before = dropped(b, "replayed")
            transports = [d for (direction, d) in relay.captured if direction == "to_target" and d[1] == 4]
            assert transports, "no transport datagrams captured"
            for d in transports:
                relay.sock.sendto(d, relay.target)
            wait_until(lambda: dropped(b, "replayed") >= before + len(transports), what="replays counted")
            inbox = json.loads(b.cli("inbox", "--json").stdout)
            assert len(inbox) == 1, "a replayed message must not be delivered twice"
        finally:
            relay.close()


def test_wrong_psk_cannot_join():
    with Mesh() as mesh:
        a = mesh.add("a", psk=PSK_A).start()
        intruder = mesh.add("intruder", peers=[a.mesh], psk=PSK_B).start()
        friend = mesh.add("friend", peers=[a.mesh], psk=PSK_A).start()
        wait_until(lambda: friend.node_id in a.connected_peers(), what="friend joins")
        wait_until(lambda: dropped(a, "handshake_failed") >= 1, what="intruder's handshake rejected")
        assert intruder.node_id not in a.connected_peers()
        assert a.node_id not in intruder.connected_peers()
        # A node without any PSK cannot join a closed mesh either.
        open_node = mesh.add("open", peers=[a.mesh]).start()
        wait_until(lambda: dropped(a, "handshake_failed") >= 2, what="open node rejected")
        assert open_node.node_id not in a.connected_peers()


if __name__ == "__main__":
    sys.exit(run_tests([test_payload_never_in_plaintext_and_replay_rejected, test_wrong_psk_cannot_join]))
