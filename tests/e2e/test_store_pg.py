"""The daemon with store = "postgresql://...": it starts against a throwaway
PostgreSQL 15 server of this test's own (initdb into a temporary directory,
the server on a unix socket inside it), its history API reads what it wrote
there, and an unreachable server is a start-up error (exit 2). Exits 77
(skipped) with the reason when no PostgreSQL server can be started."""

import os
import pwd
import shutil
import subprocess
import sys
import tempfile

from harness import BINARY, Daemon, run_tests, wait_until

PG_BIN = os.environ.get("HYPHAE_PG_BIN", "/usr/lib/postgresql/15/bin")


class PgServer:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="hyphae-e2e-pg-")
        self.started = False
        self.as_user = []
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root.
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        data = os.path.join(self.dir, "data")
        self.run([f"{PG_BIN}/initdb", "-D", data, "-U", "hyphae", "-A", "trust", "-E", "UTF8", "--no-sync"])
        self.run([f"{PG_BIN}/pg_ctl", "start", "-w", "-t", "60", "-D", data, "-l",
                  os.path.join(self.dir, "server.log"), "-o", f"-c listen_addresses='' -k {self.dir} -F"])
        self.started = True
        self.run([f"{PG_BIN}/createdb", "-h", self.dir, "-U", "hyphae", "hyphae"])
        self.url = f"postgresql://hyphae@/hyphae?host={self.dir}"

    def run(self, args):
        r = subprocess.run(self.as_user + args, capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {r.stdout[-400:]} {r.stderr[-400:]}")
        return r.stdout

    def sql(self, query):
        return self.run([f"{PG_BIN}/psql", "-h", self.dir, "-U", "hyphae", "-At", "-c", query, "hyphae"]).strip()

    def stop(self):
        if self.started:
            subprocess.run(self.as_user + [f"{PG_BIN}/pg_ctl", "stop", "-w", "-m", "immediate", "-D",
                                           os.path.join(self.dir, "data")], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


SERVER = None


def test_daemon_keeps_its_history_in_postgresql():
    d = Daemon("pg", extra=f'[store]\nurl = "{SERVER.url}"\nsnapshot_interval = "100ms"\n')
    try:
        d.start()
        wait_until(lambda: len(d.get("/api/mesh/history")["load"]) >= 3, what="three load samples")
        rows = int(SERVER.sql(f"SELECT count(*) FROM load_history WHERE node_id = '{d.node_id}'"))
        assert rows >= 3, rows
        assert SERVER.sql("SELECT max(version) FROM schema_version") != "", "migrations recorded"
        d.stop()
    finally:
        d.cleanup()


def test_an_unreachable_server_is_a_start_up_error():
    d = Daemon("pgdown", extra='[store]\nurl = "postgresql://hyphae:s3cret@/hyphae?host=/nonexistent"\n')
    try:
        r = subprocess.run([BINARY, "daemon", "--config", os.path.join(d.dir, "node.toml")],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 2, (r.returncode, r.stderr)
        assert "store: cannot open" in r.stderr and "s3cret" not in r.stderr, r.stderr
    finally:
        d.cleanup()


if __name__ == "__main__":
    if not os.access(f"{PG_BIN}/initdb", os.X_OK):
        print(f"SKIP: no PostgreSQL server binaries in {PG_BIN} (set HYPHAE_PG_BIN)")
        sys.exit(77)
    try:
        SERVER = PgServer()
    except (RuntimeError, KeyError, OSError) as e:
        print(f"SKIP: cannot start a PostgreSQL server: {e}")
        sys.exit(77)
    try:
        code = run_tests([test_daemon_keeps_its_history_in_postgresql, test_an_unreachable_server_is_a_start_up_error])
    finally:
        SERVER.stop()
    sys.exit(code)
