#!/usr/bin/env node
// peer_moment_business_time.js: moment-business-time (npm) with
// moment-timezone, in the peer comparison.
//
//   node peer_moment_business_time.js add BUDGET_SECONDS INPUT OUTPUT
//   node peer_moment_business_time.js elapsed INPUT OUTPUT
//
// The packages are installed by bench/calendar_vs_peers.sh into a scratch
// directory named by PEERS_NODE_DIR (default ${TMPDIR:-/tmp}/kept-calendar-peers),
// not into the repository.
//
// Configured as its README says, through the locale: workinghours
// {1..5: ['09:00:00', '17:00:00'], 0 and 6: null} and holidays
// ['YYYY-MM-DD', ...] from HOLIDAYS_ICS (default bench/data/england-and-wales.ics).
// The library computes in the zone of the moment it is given, so every instant
// is a moment-timezone moment in Europe/London (moment.tz(ms, zone)); no
// conversion by hand.
//
// add is m.addWorkingTime(BUDGET, 'seconds') (it modifies m in place; each
// input moment is used once). elapsed is
// to.workingDiff(from, 'seconds'), which is `to - from` in working seconds.
//
// Timed: only the loop. The inputs are made into moments before it and the
// answers turned back into epoch seconds after it; the locale set-up is
// reported as build_seconds. An exception on one line is written as ERR.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { createRequire } = require('module');

const ENGINE = 'moment-business-time';
const ZONE = 'Europe/London';

const nodeDir = process.env.PEERS_NODE_DIR || path.join(process.env.TMPDIR || os.tmpdir(), 'kept-calendar-peers');
const requireFromScratch = createRequire(path.join(nodeDir, 'package.json'));
const moment = requireFromScratch('moment-timezone');
// moment-business-time patches the same `moment` that moment-timezone extends.
requireFromScratch('moment-business-time');

function holidays() {
  const file = process.env.HOLIDAYS_ICS || path.join(__dirname, '..', 'data', 'england-and-wales.ics');
  const dates = [];
  for (const line of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
    const m = /^DTSTART;VALUE=DATE:(\d{4})(\d{2})(\d{2})$/.exec(line);
    if (m) dates.push(`${m[1]}-${m[2]}-${m[3]}`);
  }
  if (dates.length === 0) throw new Error(`${file}: no all-day events`);
  return dates;
}

function build() {
  const day = ['09:00:00', '17:00:00'];
  moment.updateLocale(moment.locale(), {
    workinghours: { 0: null, 1: day, 2: day, 3: day, 4: day, 5: day, 6: null },
    holidays: holidays(),
  });
}

function err(e) {
  return 'ERR ' + String((e && e.name) || 'Error') + ': ' + String((e && e.message) || e).replace(/\s+/g, ' ').slice(0, 120);
}

function main(argv) {
  let op, budget, input, output;
  if (argv.length === 4 && argv[0] === 'add') {
    [op, budget, input, output] = argv;
    budget = Number.parseInt(budget, 10);
  } else if (argv.length === 3 && argv[0] === 'elapsed') {
    [op, input, output] = argv;
  } else {
    process.stderr.write('usage: peer_moment_business_time.js add BUDGET_SECONDS INPUT OUTPUT | elapsed INPUT OUTPUT\n');
    process.exit(2);
  }
  const rows = fs.readFileSync(input, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => l.trim().split(/\s+/));

  let t0 = process.hrtime.bigint();
  build();
  const buildSeconds = Number(process.hrtime.bigint() - t0) / 1e9;

  const answers = new Array(rows.length);
  let head;
  let seconds;
  if (op === 'add') {
    const starts = rows.map((r) => moment.tz(Number(r[0]) * 1000, ZONE));
    t0 = process.hrtime.bigint();
    for (let i = 0; i < starts.length; i++) {
      try {
        answers[i] = starts[i].addWorkingTime(budget, 'seconds');
      } catch (e) {
        answers[i] = e;
      }
    }
    seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    for (let i = 0; i < answers.length; i++) {
      answers[i] = answers[i] instanceof Error ? err(answers[i]) : String(answers[i].unix());
    }
    head = `op=add budget=${budget}`;
  } else {
    const pairs = rows.map((r) => [moment.tz(Number(r[0]) * 1000, ZONE), moment.tz(Number(r[1]) * 1000, ZONE)]);
    t0 = process.hrtime.bigint();
    for (let i = 0; i < pairs.length; i++) {
      try {
        answers[i] = pairs[i][1].workingDiff(pairs[i][0], 'seconds');
      } catch (e) {
        answers[i] = e;
      }
    }
    seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    for (let i = 0; i < answers.length; i++) {
      answers[i] = answers[i] instanceof Error ? err(answers[i]) : String(answers[i]);
    }
    head = 'op=elapsed';
  }
  fs.writeFileSync(output, answers.length ? answers.join('\n') + '\n' : '');
  const n = rows.length;
  const perSec = seconds > 0 ? n / seconds : 0;
  process.stdout.write(
    `engine=${ENGINE} ${head} n=${n} seconds=${seconds.toFixed(6)} per_sec=${perSec.toFixed(0)} build_seconds=${buildSeconds.toFixed(6)}\n`,
  );
}

main(process.argv.slice(2));
