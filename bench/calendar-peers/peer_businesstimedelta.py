#!/usr/bin/env python3
"""peer_businesstimedelta.py: businesstimedelta (PyPI) in the peer comparison.

    peer_businesstimedelta.py add BUDGET_SECONDS INPUT OUTPUT
    peer_businesstimedelta.py elapsed INPUT OUTPUT

Configured as the library's README does it, in the library's own time zone
support (pytz): Rules([WorkDayRule(09:00, 17:00, Mon-Fri, tz=Europe/London),
HolidayRule(dates, tz=Europe/London)]). The holiday dates are those of the
all-day events in HOLIDAYS_ICS (default bench/data/england-and-wales.ics),
passed as a frozenset: HolidayRule only asks `date in holidays`, and a set
answers that faster than the list the README shows (same answers).

add is `start + BusinessTimeDelta(rules, seconds=BUDGET)`; elapsed is
`rules.difference(from, to)` in whole seconds (hours * 3600 + seconds).

Timed: only the loop over the starts (or pairs). The input is converted to
aware datetimes (UTC) before it, and the answers back to epoch seconds after
it; the calendar's construction is reported as build_seconds. An exception on
one line (for example the TypeError HolidayRule raises when no holiday falls
within five years of a date) is written as `ERR <ExceptionName>: <message>`.
"""

import datetime
import os
import sys
import time

import businesstimedelta
import pytz

ENGINE = "businesstimedelta"
ZONE = "Europe/London"


def holidays():
    default = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "england-and-wales.ics")
    path = os.environ.get("HOLIDAYS_ICS", default)
    dates = []
    with open(path, newline="") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if line.startswith("DTSTART;VALUE=DATE:"):
                d = line.split(":", 1)[1]
                dates.append(datetime.date(int(d[0:4]), int(d[4:6]), int(d[6:8])))
    if not dates:
        sys.exit(f"{path}: no all-day events")
    return dates


def build():
    tz = pytz.timezone(ZONE)
    workday = businesstimedelta.WorkDayRule(
        start_time=datetime.time(9), end_time=datetime.time(17), working_days=[0, 1, 2, 3, 4], tz=tz
    )
    closed = businesstimedelta.HolidayRule(frozenset(holidays()), tz=tz)
    return businesstimedelta.Rules([workday, closed])


def err(e):
    return "ERR %s: %s" % (type(e).__name__, str(e).replace("\n", " ")[:120])


def main(argv):
    if len(argv) == 5 and argv[1] == "add":
        op, budget, inp, out = "add", int(argv[2]), argv[3], argv[4]
    elif len(argv) == 4 and argv[1] == "elapsed":
        op, budget, inp, out = "elapsed", None, argv[2], argv[3]
    else:
        sys.exit("usage: peer_businesstimedelta.py add BUDGET_SECONDS INPUT OUTPUT | elapsed INPUT OUTPUT")

    with open(inp) as f:
        rows = [line.split() for line in f if line.strip()]
    utc = pytz.utc
    fromts = datetime.datetime.fromtimestamp

    t0 = time.perf_counter()
    rules = build()
    build_seconds = time.perf_counter() - t0

    answers = []
    if op == "add":
        starts = [fromts(int(r[0]), utc) for r in rows]
        delta = businesstimedelta.BusinessTimeDelta(rules, seconds=budget)
        t0 = time.perf_counter()
        for s in starts:
            try:
                answers.append(s + delta)
            except Exception as e:  # one line's failure, reported as ERR
                answers.append(e)
        seconds = time.perf_counter() - t0
        lines = [err(a) if isinstance(a, Exception) else str(int(a.timestamp())) for a in answers]
        head = "op=add budget=%d" % budget
    else:
        pairs = [(fromts(int(r[0]), utc), fromts(int(r[1]), utc)) for r in rows]
        t0 = time.perf_counter()
        for a, b in pairs:
            try:
                answers.append(rules.difference(a, b))
            except Exception as e:
                answers.append(e)
        seconds = time.perf_counter() - t0
        lines = [err(a) if isinstance(a, Exception) else str(int(a.timedelta.total_seconds())) for a in answers]
        head = "op=elapsed"

    with open(out, "w") as f:
        f.write("\n".join(lines) + ("\n" if lines else ""))
    n = len(rows)
    per_sec = n / seconds if seconds > 0 else 0
    print("engine=%s %s n=%d seconds=%.6f per_sec=%.0f build_seconds=%.6f" % (ENGINE, head, n, seconds, per_sec, build_seconds))


if __name__ == "__main__":
    main(sys.argv)
