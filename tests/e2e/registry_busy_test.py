#!/usr/bin/env python3
"""Two writers on one SQLite registry (issue 18, item 5): nothing lost, a clear retryable refusal.

1. A CLI import and web visits at once: every visit posted while `kiort registry import` runs is
   either saved (it waited for the import's transaction) or refused 503 with Retry-After; every
   saved one is in the registry afterwards, and so is the whole import.
2. A writer holding the database longer than the stated wait (10 s): POST /api/visits answers
   503 + Retry-After (before: 500 "internal fault", the visit lost) and `kiort registry add` exits
   4 with a message saying to try again (before: exit 1 "database is locked"); once the lock is
   released the same requests succeed.
Usage: registry_busy_test.py KIORT DEMO_COHORT_DIR
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

kiort, cohort = sys.argv[1], sys.argv[2]
fails = []
passes = 0


def check(name, cond, detail=""):
    global passes
    if cond:
        passes += 1
    else:
        fails.append(name)
        print(f"FAIL {name}: {detail}")


def request(port, path, body=None, headers=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                 data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read() or b"null")


with tempfile.TemporaryDirectory() as work:
    db = os.path.join(work, "r.db")
    run = lambda *a, **k: subprocess.run([kiort, "-q", *a], capture_output=True, text=True, **k)
    run("registry", "init", "--db", db, check=True)
    run("registry", "import", "--db", db, "--user", "setup", "--csv", cohort, check=True)
    # A second import to run beside the web visits: 600 more patients (the demo's rows, new ids
    # and pseudonyms, birth years moved so that the import's duplicate-patient rule lets them in).
    more = os.path.join(work, "more")
    os.mkdir(more)
    lines = open(os.path.join(cohort, "patients.csv")).read().splitlines()
    out = [lines[0]]
    for k in range(20):
        for row in lines[1:]:
            f = row.split(",")
            f[0] = str(int(f[0]) + 1000 * (k + 1))
            f[1] = f"{f[1]}{k:02d}"
            f[3] = str(int(f[3]) - (k + 1))
            out.append(",".join(f))
    open(os.path.join(more, "patients.csv"), "w").write("\n".join(out) + "\n")
    n_before = sqlite3.connect(db).execute("SELECT COUNT(*) FROM patients").fetchone()[0]
    subprocess.run([kiort, "serve", "--db", db, "--create-user", "dora", "--role", "data-manager"],
                   input="password-dora\n", text=True, check=True, capture_output=True)
    server = subprocess.Popen([kiort, "serve", "--db", db, "--port", "0"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        port = int(server.stdout.readline().split("127.0.0.1:")[1].split()[0])
        st, hd, body = request(port, "/api/login", {"user": "dora", "password": "password-dora"})
        cookie = hd["Set-Cookie"].split(";")[0]
        auth = {"Cookie": cookie, "X-CSRF-Token": body["csrf"]}

        def visit(day):
            return {"visit": {"procedure_id": 1, "event": "unscheduled",
                              "visit_date": f"2024-03-{day:02d}", "pain_worst": day % 10}}

        # 1. An import and web visits at once.
        results = []

        def poster():
            for day in range(1, 21):
                results.append((day, request(port, "/api/visits", visit(day), auth)))

        t = threading.Thread(target=poster)
        t.start()
        imp = run("registry", "import", "--db", db, "--user", "importer", "--csv", more)
        t.join()
        check("import while visits are posted", imp.returncode in (0, 4),
              f"exit {imp.returncode}: {imp.stderr}")
        saved = [d for d, (s, _, _) in results if s == 201]
        refused = [(d, s, h) for d, (s, h, _) in results if s != 201]
        check("every visit saved or refused 503 with Retry-After",
              all(s == 503 and "Retry-After" in h for _, s, h in refused), str(refused))
        con = sqlite3.connect(db)
        dates = {r[0] for r in con.execute(
            "SELECT visit_date FROM visits WHERE procedure_id = 1 AND event = 'unscheduled'")}
        check("every saved visit is in the registry",
              all(f"2024-03-{d:02d}" in dates for d in saved), f"{saved} vs {sorted(dates)}")
        if imp.returncode == 0:
            n = con.execute("SELECT COUNT(*) FROM patients").fetchone()[0]
            check("the import is whole", n == n_before + 20 * (len(lines) - 1), f"{n} patients")
        con.close()
        print(f"concurrent: import exit {imp.returncode}, {len(saved)} visits saved, "
              f"{len(refused)} refused 503")

        # 2. A writer that holds the registry past the 10 s wait.
        holder = sqlite3.connect(db, timeout=1, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        t0 = time.monotonic()
        st, hd, body = request(port, "/api/visits", visit(25), auth)
        waited = time.monotonic() - t0
        check("busy registry: 503 with Retry-After", st == 503 and "Retry-After" in hd,
              f"HTTP {st} {body}")
        check("busy message says try again", "try again" in json.dumps(body), json.dumps(body))
        print(f"busy: HTTP {st} after {waited:.1f} s, Retry-After {hd.get('Retry-After')}")
        cli = run("registry", "add", "visit", "--db", db, "--user", "dora", "--procedure_id", "1",
                  "--event", "unscheduled", "--visit_date", "2024-03-26", "--pain_worst", "1")
        check("busy registry: CLI exit 4", cli.returncode == 4, f"exit {cli.returncode}: {cli.stderr}")
        check("CLI message names the registry and says try again",
              "r.db" in cli.stderr and "try again" in cli.stderr, cli.stderr)
        holder.execute("ROLLBACK")
        holder.close()
        st, _, _ = request(port, "/api/visits", visit(25), auth)
        check("after the lock: saved", st == 201, f"HTTP {st}")
        cli = run("registry", "add", "visit", "--db", db, "--user", "dora", "--procedure_id", "1",
                  "--event", "unscheduled", "--visit_date", "2024-03-26", "--pain_worst", "1")
        check("after the lock: CLI saved", cli.returncode == 0, cli.stderr)
    finally:
        server.terminate()
        server.wait(timeout=10)

print(f"{passes} passed, {len(fails)} failed")
sys.exit(1 if fails else 0)
