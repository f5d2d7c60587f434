#!/usr/bin/env python3
"""A full mesh of daemons with continuous messaging and random faults
(kill -9 + restart, silent link cut, link down, SIGSTOP/SIGCONT). Ends with
every acknowledged message delivered exactly once and prints RSS growth.

Short by default (ctest): HYPHAE_LAB_SOAK_SECONDS=60, HYPHAE_LAB_SOAK_NODES=10.
The full run is `lab.py soak --minutes 5 --nodes 20` (or set those variables)."""

import os

import lab


def test_faults_exactly_once():
    seconds = float(os.environ.get("HYPHAE_LAB_SOAK_SECONDS", "60"))
    nodes = int(os.environ.get("HYPHAE_LAB_SOAK_NODES", "10"))
    seed = int(os.environ["HYPHAE_LAB_SOAK_SEED"]) if os.environ.get("HYPHAE_LAB_SOAK_SEED") else None
    r = lab.soak(nodes=nodes, seconds=seconds, rate=15, fault_every=5, seed=seed)
    assert r["faults"] >= seconds / 10, r
    assert r["eligible"] > 0 and r["missing"] == 0 and r["duplicates"] == 0, r


if __name__ == "__main__":
    lab.run_tests([test_faults_exactly_once])
