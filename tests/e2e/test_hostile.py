"""100 000 random and mutated datagrams at a daemon's UDP port leave it
running and still exchanging messages; each dropped datagram is counted by
reason in GET /api/mesh/stats (and /metrics)."""

import json
import random
import socket
import sys
import time

from harness import Mesh, UdpRelay, run_tests, wait_until

TOTAL = 100_000


def test_hostile_datagrams():
    rng = random.Random(1234)
    with Mesh() as mesh:
        target = mesh.add("target").start()
        relay = UdpRelay(target.mesh_port)  # to capture genuine datagrams to mutate
        try:
            friend = mesh.add("friend", peers=[f"127.0.0.1:{relay.port}"]).start()
            relay.pump(1.5)
            friend.cli("send", "--to", target.node_id, "warm-up")
            relay.pump(0.5)
            samples = [d for (direction, d) in relay.captured if direction == "to_target"]
            assert samples, "no genuine datagrams captured"
        finally:
            relay.close()

        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        dest = ("127.0.0.1", target.mesh_port)
        sent = 0
        started = time.monotonic()
        while sent < TOTAL:
            kind = sent % 4
            if kind == 0:  # pure noise of any length
                data = rng.randbytes(rng.randint(0, 1600))
            elif kind == 1:  # a genuine datagram with bytes flipped
                data = bytearray(rng.choice(samples))
                for _ in range(rng.randint(1, 4)):
                    data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
                data = bytes(data)
            elif kind == 2:  # a genuine datagram cut short or extended
                base = rng.choice(samples)
                data = base[: rng.randrange(len(base))] if rng.random() < 0.5 else base + rng.randbytes(40)
            else:  # a valid header with a random body
                data = bytes([1, rng.randint(1, 4), 0, 0]) + rng.randbytes(rng.randint(0, 200))
            sock.sendto(data, dest)
            sent += 1
            if sent % 1000 == 0:
                # We test parsing, not socket-buffer overflow: let the daemon
                # (a sanitizer build, maybe on a busy machine) read each batch
                # before the next, instead of guessing a pace.
                wait_until(lambda: target.get("/api/mesh/stats")["rx_packets"] >= sent * 0.97, timeout=30,
                           what=f"the daemon to read {sent} hostile datagrams")
        sock.close()
        elapsed = time.monotonic() - started
        print(f"sent {TOTAL} hostile datagrams in {elapsed:.1f}s")

        assert target.alive(), "daemon died"

        def counted():
            stats = target.get("/api/mesh/stats")
            return stats if stats["rx_packets"] >= TOTAL * 0.95 else None

        stats = wait_until(counted, timeout=30, what="hostile datagrams read by the daemon")
        # Almost all are dropped and counted; the rest are mutated handshake
        # initiations that are valid Noise (any 32 bytes is an ephemeral key)
        # and get a response, as they would from a genuine peer.
        print(f"received {stats['rx_packets']}, dropped {stats['rx_dropped_total']}, "
              f"handshake responses sent {stats['tx_packets']}")
        assert stats["rx_dropped_total"] >= stats["rx_packets"] * 0.95, stats
        reasons = {k: v for k, v in stats["rx_dropped"].items() if v}
        print("drops by reason:", json.dumps(reasons, sort_keys=True))
        for reason in ("truncated", "bad_version", "unknown_session", "oversized", "bad_type"):
            assert reasons.get(reason, 0) > 0, f"expected some {reason} drops: {reasons}"
        metrics = target.get_text("/metrics")
        assert 'hyphae_rx_dropped_total{reason="truncated"}' in metrics, metrics[:500]

        # Still exchanging messages, both ways.
        friend.cli("send", "--to", target.node_id, "after the storm")
        target.cli("send", "--to", friend.node_id, "still here")

        def delivered(node, text):
            return any(m["payload"] == text for m in json.loads(node.cli("inbox", "--json").stdout))

        # The friend's session went through the (now closed) relay; it redials
        # the relay address in vain, so reconnect it directly.
        if not delivered(target, "after the storm"):
            friend.stop()
            friend.peers = [target.mesh]
            friend.write_config()
            friend.start()
            friend.cli("send", "--to", target.node_id, "after the storm")
        wait_until(lambda: delivered(target, "after the storm"), timeout=30, what="delivery after storm")
        assert target.alive()


if __name__ == "__main__":
    sys.exit(run_tests([test_hostile_datagrams]))
