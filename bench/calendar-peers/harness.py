#!/usr/bin/env python3
"""Inputs, checking and the summary table for bench/calendar_vs_peers.sh.

    harness.py gen OUTDIR N ELAPSED_N
        OUTDIR/starts.txt: N starts, Unix epoch seconds. A sample WITHOUT
        replacement of the 525,600 minutes of 2026 (UTC), seed 2026, left in
        the sample's random order (not sorted, so no engine gains from
        consecutive inputs falling on the same day).
        OUTDIR/pairs.txt: ELAPSED_N `from to` pairs: `from` a minute of 2026
        drawn WITH replacement (seed 2027), `to = from + k minutes` with k
        uniform in 0..60 days.

    harness.py compare --op add|elapsed [--budget S] --input F --ours F
                       --theirs F --report LINE --results F.jsonl
        Checks a peer's answers line by line against kept-engine's, labels
        every disagreement, appends one JSON line to the results file and
        prints up to 5 UNEXPLAINED examples. A peer run on the first CAP lines
        only is compared on those lines.

    harness.py summary F.jsonl
        Prints the table; exits 1 if any disagreement was UNEXPLAINED or a
        runner failed.

The labels (each a behaviour read in the peer's source, not a guess):

  closing-time->next-opening  ours is a closing instant (17:00 on an open
        day) and the peer's answer is the next opening after it. Business::Hours
        counts seconds as a set of business seconds and add_seconds returns the
        element at index BUDGET, the first business second AFTER the budget is
        used up, so Mon 13:00 + 4 h is Tue 09:00 where Kept says Mon 17:00.
  zero: start kept  a zero budget from a closed instant: ours is the next
        opening (a start outside open hours counts from there, as
        Business::Hours, businesstimedelta and ule-hours answer too), the
        peer's is the start itself. workclock's Schedule::add documents it
        ("The result is `t` itself when `d` is zero, even outside working
        time"); moment-business-time does it only at a closing instant (17:00),
        since its isWorkingTime tests isSameOrBefore(closing) and so counts
        the closing instant as working time.
  search-cap (30 days)  the peer gave up (Business::Hours' add_seconds returns
        -1 when the answer is not within 30 days of the start) and our answer
        is indeed more than 29 days after the start.
  inclusive-end (+1 s)  elapsed: the peer's answer is ours + 1 and `to` is
        inside open hours. Business::Hours' between(START, END) is the
        cardinality of the integer set START..END (both ends included) cut
        with the business seconds, so it counts the second that starts at
        `to` as well.
  error: <reason>  the peer failed on that line with that reason (a known
        crash, such as businesstimedelta's TypeError, is labelled, not
        failed).
  UNEXPLAINED  anything else: printed, and the script exits non-zero.
"""

import argparse
import datetime
import json
import os
import random
import sys
from zoneinfo import ZoneInfo

ZONE = ZoneInfo("Europe/London")
OPEN = datetime.time(9, 0)
CLOSE = datetime.time(17, 0)
HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------- inputs

def gen(outdir, n, elapsed_n):
    start = int(datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc).timestamp())
    minutes = 365 * 24 * 60
    if n > minutes:
        sys.exit(f"N={n}: 2026 has only {minutes} distinct minutes")
    os.makedirs(outdir, exist_ok=True)
    rng = random.Random(2026)
    with open(os.path.join(outdir, "starts.txt"), "w") as f:
        f.writelines(f"{start + 60 * m}\n" for m in rng.sample(range(minutes), n))
    rng = random.Random(2027)
    span = 60 * 24 * 60
    with open(os.path.join(outdir, "pairs.txt"), "w") as f:
        for _ in range(elapsed_n):
            a = start + 60 * rng.randrange(minutes)
            f.write(f"{a} {a + 60 * rng.randint(0, span)}\n")


# ---------------------------------------------------------------- the calendar, for labelling

def holidays():
    path = os.environ.get("HOLIDAYS_ICS", os.path.join(HERE, "..", "data", "england-and-wales.ics"))
    out = set()
    with open(path, newline="") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line.startswith("DTSTART;VALUE=DATE:"):
                d = line.split(":", 1)[1]
                out.add(datetime.date(int(d[:4]), int(d[4:6]), int(d[6:8])))
    return out


HOLIDAYS = holidays()


def local(s):
    return datetime.datetime.fromtimestamp(s, ZONE)


def is_open_day(d):
    return d.weekday() < 5 and d not in HOLIDAYS


def at(d, t):
    return int(datetime.datetime.combine(d, t, ZONE).timestamp())


def is_closing(s):
    lt = local(s)
    return is_open_day(lt.date()) and at(lt.date(), CLOSE) == s


def is_open(s):
    lt = local(s)
    d = lt.date()
    return is_open_day(d) and at(d, OPEN) <= s < at(d, CLOSE)


def next_opening(s):
    d = local(s).date()
    for _ in range(400):
        if is_open_day(d) and at(d, OPEN) > s:
            return at(d, OPEN)
        d += datetime.timedelta(days=1)
    return None


def rfc3339(s):
    lt = local(s)
    return "%s (%s)" % (lt.isoformat(), lt.strftime("%a"))


# ---------------------------------------------------------------- checking

def parse(line):
    line = line.strip()
    if line.startswith("ERR"):
        return ("ERR", line[3:].strip())
    return int(line)


def label_add(start, ours, theirs, zero=False):
    if zero and theirs == start and not is_open(start) and ours == next_opening(start):
        return "zero: start kept"
    if isinstance(theirs, tuple):
        reason = theirs[1]
        if reason.startswith("search-cap") and isinstance(ours, int) and ours - start > 29 * 86400:
            return "search-cap (30 days)"
        return "error: " + reason.split(":", 1)[0][:40]
    if not isinstance(ours, int):
        return "UNEXPLAINED"
    if is_closing(ours) and theirs == next_opening(ours):
        return "closing-time→next-opening"
    return "UNEXPLAINED"


def label_elapsed(pair, ours, theirs):
    if isinstance(theirs, tuple):
        return "error: " + theirs[1].split(":", 1)[0][:40]
    if not isinstance(ours, int):
        return "UNEXPLAINED"
    if theirs == ours + 1 and is_open(pair[1]):
        return "inclusive-end (+1 s)"
    return "UNEXPLAINED"


def report_fields(line):
    fields = {}
    for word in line.split():
        if "=" in word:
            k, v = word.split("=", 1)
            fields[k] = v
    return fields


def compare(a):
    rep = report_fields(a.report)
    with open(a.input) as f:
        rows = [tuple(int(x) for x in l.split()) for l in f if l.strip()]
    with open(a.ours) as f:
        ours = [parse(l) for l in f if l.strip()]
    with open(a.theirs) as f:
        theirs = [parse(l) for l in f if l.strip()]
    n = len(rows)
    problems = []
    if len(theirs) != n:
        problems.append(f"{len(theirs)} answers for {n} inputs")
    if len(ours) < n:
        problems.append(f"kept-engine has only {len(ours)} answers for {n} inputs")
    labels = {}
    examples = {}
    agree = 0
    for i in range(min(n, len(theirs), len(ours))):
        o, t = ours[i], theirs[i]
        if o == t:
            agree += 1
            continue
        zero = a.budget_label in ("0h", "0")
        lab = label_add(rows[i][0], o, t, zero) if a.op == "add" else label_elapsed(rows[i], o, t)
        labels[lab] = labels.get(lab, 0) + 1
        examples.setdefault(lab, []).append((rows[i], o, t))
    engine = rep.get("engine", "?")
    what = f"{engine} {a.op}" + (f" {a.budget_label}" if a.op == "add" else "")
    for lab, exs in sorted(examples.items()):
        shown = exs[:5] if lab == "UNEXPLAINED" else exs[:1]
        for row, o, t in shown:
            def fmt(v):
                return rfc3339(v) if (a.op == "add" and isinstance(v, int)) else (
                    f"{v}" if isinstance(v, int) else "ERR " + v[1])
            if a.op == "add":
                where = f"start={rfc3339(row[0])}"
            else:
                where = f"from={rfc3339(row[0])} to={rfc3339(row[1])}"
            print(f"  [{what}] {lab}: {where} ours={fmt(o)} theirs={fmt(t)}")
    for p in problems:
        print(f"  [{what}] UNEXPLAINED: {p}")
    result = {
        "engine": engine,
        "op": a.op,
        "budget": a.budget_label if a.op == "add" else "",
        "n": n,
        "capped_from": a.capped_from,
        "per_sec": float(rep.get("per_sec", 0) or 0),
        "seconds": float(rep.get("seconds", 0) or 0),
        "build_seconds": float(rep.get("build_seconds", 0) or 0),
        "agree": agree,
        "labels": labels,
        "problems": problems,
        "unsupported": False,
    }
    with open(a.results, "a") as f:
        f.write(json.dumps(result, ensure_ascii=False) + "\n")


def record(a):
    """Appends a row for kept-engine itself, an unsupported op or a failed runner."""
    rep = report_fields(a.report or "")
    row = {
        "engine": a.engine,
        "op": a.op,
        "budget": a.budget_label if a.op == "add" else "",
        "n": int(rep.get("n", 0) or 0),
        "capped_from": a.capped_from,
        "per_sec": float(rep.get("per_sec", 0) or 0),
        "seconds": float(rep.get("seconds", 0) or 0),
        "build_seconds": float(rep.get("build_seconds", 0) or 0),
        "agree": None,
        "labels": {},
        "problems": [a.problem] if a.problem else [],
        "unsupported": a.unsupported,
    }
    with open(a.results, "a") as f:
        f.write(json.dumps(row, ensure_ascii=False) + "\n")


# ---------------------------------------------------------------- summary

def rate(x):
    if x >= 1e6:
        return f"{x / 1e6:.2f} M/s"
    if x >= 1e3:
        return f"{x / 1e3:.1f} k/s"
    return f"{x:.0f} /s"


def summary(path):
    rows = [json.loads(l) for l in open(path) if l.strip()]
    kept = {(r["op"], r["budget"]): r for r in rows if r["engine"] == "kept"}
    table = [("engine", "op", "budget", "n", "per_sec", "kept/peer", "agree", "disagreements (label: count)")]
    bad = 0
    for r in rows:
        k = kept.get((r["op"], r["budget"]))
        if r["unsupported"]:
            table.append((r["engine"], r["op"], r["budget"] or "-", "-", "unsupported", "-", "-", "-"))
            continue
        n = str(r["n"]) + (f" (capped from {r['capped_from']})" if r["capped_from"] else "")
        ratio = "-"
        if r["engine"] == "kept":
            ratio = "1"
        elif k and r["per_sec"] > 0 and k["per_sec"] > 0:
            ratio = f"{k['per_sec'] / r['per_sec']:.1f}x"
        agree = "reference" if r["engine"] == "kept" else f"{r['agree']}/{r['n']}"
        labs = "; ".join(f"{lab}: {c}" for lab, c in sorted(r["labels"].items(), key=lambda x: -x[1]))
        if r["problems"]:
            labs = "; ".join([labs] + [f"UNEXPLAINED: {p}" for p in r["problems"]]).strip("; ")
        bad += r["labels"].get("UNEXPLAINED", 0) + len(r["problems"])
        table.append((r["engine"], r["op"], r["budget"] or "-", n, rate(r["per_sec"]), ratio, agree, labs or "none"))
    widths = [max(len(str(row[i])) for row in table) for i in range(len(table[0]) - 1)]
    for j, row in enumerate(table):
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)) + "  " + str(row[-1]))
        if j == 0:
            print("  ".join("-" * w for w in widths) + "  " + "-" * 30)
    builds = {}
    for r in rows:
        if r["build_seconds"] and r["engine"] not in builds:
            builds[r["engine"]] = r["build_seconds"]
    if builds:
        print("calendar build (first run of each engine): " + ", ".join(
            f"{e} {s * 1000:.2f} ms" for e, s in builds.items()))
    if bad:
        print(f"FAIL: {bad} unexplained disagreement(s) or runner failure(s)")
        return 1
    print("OK: every disagreement is labelled")
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("outdir")
    g.add_argument("n", type=int)
    g.add_argument("elapsed_n", type=int)
    c = sub.add_parser("compare")
    c.add_argument("--op", required=True, choices=["add", "elapsed"])
    c.add_argument("--budget-label", default="")
    c.add_argument("--input", required=True)
    c.add_argument("--ours", required=True)
    c.add_argument("--theirs", required=True)
    c.add_argument("--report", required=True)
    c.add_argument("--results", required=True)
    c.add_argument("--capped-from", type=int, default=0)
    r = sub.add_parser("record")
    r.add_argument("--engine", required=True)
    r.add_argument("--op", required=True)
    r.add_argument("--budget-label", default="")
    r.add_argument("--report", default="")
    r.add_argument("--results", required=True)
    r.add_argument("--capped-from", type=int, default=0)
    r.add_argument("--problem", default="")
    r.add_argument("--unsupported", action="store_true")
    s = sub.add_parser("summary")
    s.add_argument("results")
    a = p.parse_args()
    if a.cmd == "gen":
        gen(a.outdir, a.n, a.elapsed_n)
    elif a.cmd == "compare":
        compare(a)
    elif a.cmd == "record":
        record(a)
    else:
        sys.exit(summary(a.results))


if __name__ == "__main__":
    main()
