#!/usr/bin/env python3
"""Incremental refresh figures for scripts/bench (issue 11): runs `chiso serve` on a bench schema
with a fixed T and a 1 s refresh interval, reads its own "refreshed" log lines (JSON), and prints

  - the first refresh (loads the state from scratch),
  - refreshes with nothing changed (median),
  - the refresh after 5 000 and after 50 000 changed dossiers (flag flips and finishes),
  - the refresh after 500 key moves (a dossier's unit changes: its payments move along),
  - the refresh after 100 changed dossiers of one commune (its pages and the province's rewritten),
  - for each of these, the page files written (and left alone, their figures unchanged) and the time,
  - for each changed batch, the CPU time the pass took in chiso and in PostgreSQL (chiso's
    connections, and the server's own work meanwhile: autovacuum after the batch, checkpoints),
    and what that means on this machine's cores: a pass cannot take less wall time than their sum
    over the number of cores (steadier than the wall time on 2 cores),
  - serve's RSS and high-water mark after at least 10 refreshes,
  - the cost of the change capture on upstream writes: the same UPDATE of 50 000 dossiers with
    the capture trigger disabled and enabled; and of the 3.6 trigger (sql/V009) on an INSERT of
    50 000 online payments: chiso's payment triggers off, the capture alone, both.

Figures only, never assertions.
    incremental.py CHISO_BINARY DATABASE_URL SCHEMA AS_OF [CHANGED_DOSSIERS ...]   (default 5000 50000)
"""
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time

binary, url, schema, as_of = sys.argv[1:5]
batches = [int(n) for n in sys.argv[5:]] or [5_000, 50_000]


def process_stat(pid):
    """A process's parent and its CPU seconds (utime + stime), and its reaped children's (cutime + cstime)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / tick, (int(fields[13]) + int(fields[14])) / tick


def serve_cpu():
    return process_stat(serve.pid)[1]


# The server processes that are not a client's (their titles); a client's backend is titled by
# its user, database and address, a parallel worker "parallel worker for PID …".
POSTGRES_BACKGROUND = ("checkpointer", "background writer", "walwriter", "autovacuum", "logical replication", "archiver",
                       "startup", "walsender", "walreceiver")


def postgres_cpu():
    """The CPU seconds the bench's cluster has used, and of them the client connections' (alive
    now: chiso's pooled ones). The rest is the server's own work (autovacuum after the batch's
    UPDATE, checkpoints) and, through the postmaster's reaped children, processes that ended.
    None when the cluster is not one this machine shows (no CHISO_PG_DIR)."""
    try:
        with open(os.path.join(os.environ["CHISO_PG_DIR"], "data", "postmaster.pid")) as pidfile:
            postmaster = int(pidfile.readline())
        _, own, reaped = process_stat(postmaster)
        total, connections = own + reaped, 0.0
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    parent, used, _ = process_stat(entry)
                    if parent != postmaster:
                        continue
                    with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                        title = cmdline.read().decode(errors="replace").removeprefix("postgres: ")
                    total += used
                    if not title.startswith(POSTGRES_BACKGROUND):
                        connections += used
                except (OSError, ValueError):
                    continue  # ended meanwhile (its time is then in the postmaster's children's)
        return total, connections
    except (KeyError, OSError, ValueError):
        return None


def psql(sql):
    subprocess.run(["psql", "-q", "-X", "-v", "ON_ERROR_STOP=1", "-c", f"SET search_path = {schema}", "-c", sql],
                   check=True, stdout=subprocess.DEVNULL)


def timed_psql(sql):
    started = time.monotonic()
    psql(sql)
    return time.monotonic() - started


site = tempfile.mkdtemp(prefix="chiso-bench-site.")
env = dict(os.environ, CHISO_LOG_FORMAT="json", CHISO_LOG_LEVEL="debug", CHISO_OUTPUT_DIR=site, CHISO_ALERT_ENABLED="false")
serve = subprocess.Popen([binary, "serve", "--database-url", url, "--schema", schema, "--as-of", as_of, "--refresh-interval", "1",
                          "--listen", "127.0.0.1:0"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
passes = queue.Queue()


def read_log():
    for line in serve.stderr:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("msg") in ("refreshed", "status pages written"):
            if entry["msg"] == "refreshed":
                entry["cpu"] = (serve_cpu(), postgres_cpu())
            passes.put(entry)
        elif entry.get("level") in ("error", "critical"):
            print("  serve:", entry.get("msg"), file=sys.stderr)


threading.Thread(target=read_log, daemon=True).start()


def next_pass(timeout=900):
    """A refresh (kind, seconds, read seconds, log rows applied, carried over) and the page files
    written after it (pages written, pages left alone, seconds)."""
    entry = passes.get(timeout=timeout)
    assert entry["msg"] == "refreshed", entry
    files = passes.get(timeout=timeout)
    assert files["msg"] == "status pages written", files
    return (entry["kind"], float(entry["seconds"]), float(entry["read_seconds"]), int(entry["changes"]), entry.get("carried_over"),
            (int(files["pages"]), int(files["unchanged"]), float(files["seconds"])), entry["cpu"])


def files_text(files):
    written, unchanged, seconds = files
    return f"page files: {written} written, {unchanged} left alone, {seconds:.3f} s"


def rss():
    fields = {}
    with open(f"/proc/{serve.pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def after(sql):
    """Applies a change, then returns the first refresh that applied it, with the CPU seconds
    (chiso, PostgreSQL) used from the change's commit to the end of that refresh: the refresh's
    own, and the little of the idle refreshes between. The change's backend is waited out first
    (its time then counts in the postmaster's reaped children, before the start)."""
    backend = subprocess.run(["psql", "-q", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", f"SET search_path = {schema}",
                              "-c", "SELECT pg_backend_pid()", "-c", sql], check=True, capture_output=True, text=True).stdout.split()[0]
    deadline = time.monotonic() + 2
    while os.path.exists(f"/proc/{backend}") and time.monotonic() < deadline:
        time.sleep(0.001)
    start = (serve_cpu(), postgres_cpu())
    while True:
        figures = next_pass()
        if figures[3] > 0 or figures[0] == "full":
            end = figures[6]
            postgres = None if end[1] is None or start[1] is None else (end[1][0] - start[1][0], end[1][1] - start[1][1])
            return figures[:6] + ((end[0] - start[0], postgres),)


# Changed dossiers: flag flips on finished ones, finishes of processing ones (cheap by index).
def flips_and_finishes(count, salt):
    flips, finishes = count * 7 // 10, count - count * 7 // 10
    return f"""
      UPDATE dossiers SET digitised = NOT digitised
      WHERE code IN (SELECT code FROM dossiers WHERE status = 'finished' ORDER BY md5(code || '{salt}') LIMIT {flips});
      UPDATE dossiers SET status = 'finished', finished_at = greatest(received_at, due_at - interval '1 hour')
      WHERE code IN (SELECT code FROM dossiers WHERE status = 'processing' ORDER BY code LIMIT {finishes});"""


cores = os.cpu_count() or 1


def cpu_text(used):
    """chiso's CPU, PostgreSQL's (and of it the server's own work), and the wall time the refresh's
    own CPU (chiso's and its connections') allows."""
    chiso, postgres = used
    if postgres is None:
        return f"CPU: chiso {chiso:.2f} s"
    total, connections = postgres
    # Each sample counts whole clock ticks: the difference of two can dip just below zero.
    background = max(0.0, total - connections)
    return (f"CPU: chiso {chiso:.2f} s, PostgreSQL {total:.2f} s (of it the server's own work {background:.2f} s); "
            f"on {cores} cores no less than {(chiso + connections) / cores:.3f} s of wall time")


try:
    started = time.monotonic()
    kind, seconds, read, _, _, files, _ = next_pass()
    print(f"  serve, first refresh ({kind}, state from scratch): {seconds:.3f} s (read {read:.3f} s); {files_text(files)}")
    idle = [next_pass() for _ in range(5)]
    print(f"  serve, refresh with nothing changed (median of 5): {statistics.median(p[1] for p in idle) * 1000:.1f} ms "
          f"(read {statistics.median(p[2] for p in idle) * 1000:.1f} ms; kinds: {','.join(sorted(set(p[0] for p in idle)))}; "
          f"carried over: {sum(p[4] == 'true' for p in idle)} of 5); page files: "
          f"{statistics.median(p[5][0] for p in idle):.0f} written, {statistics.median(p[5][2] for p in idle) * 1000:.1f} ms")
    # One commune's dossiers only: its pages and the root's are written again, the others left alone.
    kind, seconds, read, changes, _, files, _ = after(f"""
      UPDATE dossiers SET digitised = NOT digitised
      WHERE code IN (SELECT code FROM dossiers WHERE unit_id LIKE 'lam-dong/c001/%' AND status = 'finished'
                     AND received_at >= '2026-06-01' ORDER BY code LIMIT 100);""")
    print(f"  serve, refresh after 100 changed dossiers of one commune: {seconds:.3f} s (read {read:.3f} s; {kind}); {files_text(files)}")
    for index, count in enumerate(batches):
        # The largest batch three times (a single pass of it moves ±20 % between runs on 2 cores):
        # the median, and each pass.
        runs = [after(flips_and_finishes(count, f"batch{index}-{run}")) for run in range(3 if count == batches[-1] else 1)]
        kind, seconds, read, changes, _, files, _ = sorted(runs, key=lambda figures: figures[1])[len(runs) // 2]
        each = f" [passes: {', '.join(f'{r[1]:.3f}' for r in runs)} s]" if len(runs) > 1 else ""
        print(f"  serve, refresh after {count:,} changed dossiers{' (median of 3)' if len(runs) > 1 else ''}: {seconds:.3f} s "
              f"(read {read:.3f} s; {kind}, {changes:,} log rows){each}; {files_text(files)}")
        # Each side's median (the CPU moves less than the wall time between runs), and each pass's.
        used = [r[6] for r in runs]
        known = all(u[1] is not None for u in used)
        postgres = (statistics.median(u[1][0] for u in used), statistics.median(u[1][1] for u in used)) if known else None
        each = (f" [passes, chiso + PostgreSQL: {', '.join(f'{u[0]:.2f} + {u[1][0]:.2f}' for u in used)} s]") if len(runs) > 1 and known else ""
        print(f"    {cpu_text((statistics.median(u[0] for u in used), postgres))}{each}")
    kind, seconds, read, changes, _, files, used = after("""
      UPDATE dossiers SET unit_id = 'lam-dong/c001/d2'
      WHERE code IN (SELECT code FROM dossiers WHERE unit_id <> 'lam-dong/c001/d2' ORDER BY md5(code || 'k') LIMIT 500);""")
    print(f"  serve, refresh after 500 key moves (their payments moved): {seconds:.3f} s (read {read:.3f} s; {kind}, {changes:,} log rows); "
          f"{files_text(files)}; {cpu_text(used)}")
    while not passes.empty():
        passes.get()
    for _ in range(3):
        next_pass()
    now, high = rss()
    print(f"  serve RSS after {10 + 3:d}+ refreshes: {now:.1f} MiB (high-water {high:.1f} MiB)")
finally:
    serve.terminate()
    serve.wait()
    subprocess.run(["rm", "-rf", site])

# The change capture's cost on an upstream UPDATE of 50 000 rows, trigger off and on, alternating.
rows = batches[-1]
# The rows are chosen once, beforehand: only the UPDATE (and its trigger) is timed.
psql(f"DROP TABLE IF EXISTS bench_codes; CREATE TABLE bench_codes AS SELECT code FROM dossiers ORDER BY md5(code) LIMIT {rows}; ANALYZE bench_codes")
update = "UPDATE dossiers d SET reused_data = NOT d.reused_data FROM bench_codes b WHERE d.code = b.code"
off, on = [], []
for _ in range(3):
    psql("ALTER TABLE dossiers DISABLE TRIGGER chiso_capture_update; ALTER TABLE dossiers DISABLE TRIGGER chiso_capture_key_move")
    off.append(timed_psql(update))
    psql("ALTER TABLE dossiers ENABLE TRIGGER chiso_capture_update; ALTER TABLE dossiers ENABLE TRIGGER chiso_capture_key_move")
    on.append(timed_psql(update))
off_s, on_s = statistics.median(off), statistics.median(on)
print(f"  upstream UPDATE of {rows:,} dossiers: {off_s:.3f} s without the change capture, {on_s:.3f} s with it ({on_s / off_s:.2f}x)")

# The 3.6 trigger's cost on an upstream INSERT of new payments (sql/V009: the payments' capture,
# and the dossiers' chiso_paid_online_at rewritten and captured), against the same INSERT with
# chiso's payment triggers off (the capture and the paid-online trigger) and with only the
# capture on (what a writer paid before V009). Each run's payments are deleted, untimed, before
# the next; online payments for dossiers not yet paid online, so each one moves a dossier.
psql(f"""DROP TABLE IF EXISTS bench_new_payments;
CREATE TABLE bench_new_payments AS
SELECT 'NEWPAY' || row_number() OVER () AS id, code AS dossier_code, received_at + interval '1 hour' AS paid_at
FROM dossiers WHERE chiso_paid_online_at IS NULL AND status = 'finished' ORDER BY md5(code) LIMIT {rows};
ANALYZE bench_new_payments""")
insert = ("INSERT INTO payments (id, dossier_code, paid_at, amount, method) "
          "SELECT id, dossier_code, paid_at, 10000, 'national_portal' FROM bench_new_payments")
undo = "DELETE FROM payments WHERE id LIKE 'NEWPAY%'"
triggers = ["chiso_capture_insert", "chiso_keep_paid_online_insert"]
figures = {"none": [], "capture": [], "both": []}
for _ in range(3):
    for mode, enabled in (("none", []), ("capture", ["chiso_capture_insert"]), ("both", triggers)):
        psql("; ".join(f"ALTER TABLE payments {'ENABLE' if t in enabled else 'DISABLE'} TRIGGER {t}" for t in triggers))
        figures[mode].append(timed_psql(insert))
        psql("ALTER TABLE payments DISABLE TRIGGER chiso_capture_delete; ALTER TABLE payments DISABLE TRIGGER chiso_keep_paid_online_delete; "
             + undo + "; ALTER TABLE payments ENABLE TRIGGER chiso_capture_delete; ALTER TABLE payments ENABLE TRIGGER chiso_keep_paid_online_delete; "
             + "UPDATE dossiers d SET chiso_paid_online_at = NULL FROM bench_new_payments b "
             + "WHERE d.code = b.dossier_code AND d.chiso_paid_online_at IS NOT NULL")
psql("; ".join(f"ALTER TABLE payments ENABLE TRIGGER {t}" for t in triggers))
none_s, capture_s, both_s = (statistics.median(figures[m]) for m in ("none", "capture", "both"))
print(f"  upstream INSERT of {rows:,} online payments: {none_s:.3f} s without chiso's triggers, {capture_s:.3f} s with the capture "
      f"({capture_s / none_s:.2f}x), {both_s:.3f} s with the capture and the paid-online trigger ({both_s / none_s:.2f}x)")
