#!/usr/bin/env python3
"""Scale figures of the deterministic simulator (peer-sim) for the README.

Runs `peer-sim run --json` for N = 10, 100, 1000 (and 10000 with --include-10k) over a few seeds, plus a lossy
false-positive check at N = 50, and writes:

  docs/figures/sim-scale.json   every run's raw report, the exact commands and the aggregates
  docs/figures/sim-scale.md     the tables and the commands that reproduce them
  docs/figures/sim-scale.svg    a hand-written line chart (log-scale N): detection latency, join convergence, bytes

Python 3 standard library only. Every run is deterministic (same binary, seed and flags give the same trace hash),
so only the wall-clock columns change between machines.

    swift build -c release --product peer-sim
    python3 scripts/sim-figures.py                      # N = 10, 100, 1000 over seeds 1-3, about 8 minutes on 2 cores
    python3 scripts/sim-figures.py --render-only        # redraw the .md/.svg from docs/figures/sim-scale.json
"""

import argparse
import json
import math
import os
import shlex
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

# Gossip profile `lan` (Sources/Gossip/GossipConfiguration.swift): the analytic reference lines depend on these.
PROBE_INTERVAL = 1.0  # seconds
OUR_SUSPICION_MULT = 1.0  # our minimum suspicion: 1 * max(1, log10 N) * probe interval
MEMBERLIST_SUSPICION_MULT = 4.0  # memberlist DefaultLANConfig: SuspicionMult = 4
SWIM_FIRST_DETECTION = math.e / (math.e - 1.0)  # SWIM paper: expected periods until some member probes the failed one

# One duration for every N, so the join burst is amortised alike in the traffic figures (180 s leaves the
# convergence check its settle bound after crash-many's last crash; N = 1000 takes ~2.5 min of wall time each).
DEFAULT_DURATIONS = {10: 180.0, 100: 180.0, 1000: 180.0, 10000: 60.0}
# crash-many at N = 10,000 would crash 1,000 nodes 0.2 s apart (200 s of crashes) and take hours of wall time, so
# that size runs once, 60 virtual seconds, with three crashes at 50 s, after the join has converged.
SCENARIO_10K = "file:Simulations/scenarios/crash-3-at-50s.json"


def log10n(n):
    return max(1.0, math.log10(n))


def memberlist_suspicion_min(n):
    return MEMBERLIST_SUSPICION_MULT * log10n(n) * PROBE_INTERVAL


def memberlist_detection(n):
    """Best case for memberlist: first suspicion (~1.58 periods) plus its minimum suspicion timeout, which it only
    reaches after SuspicionMult-2 independent confirmations (otherwise up to 6x longer)."""
    return SWIM_FIRST_DETECTION * PROBE_INTERVAL + memberlist_suspicion_min(n)


def our_detection_estimate(n):
    return SWIM_FIRST_DETECTION * PROBE_INTERVAL + OUR_SUSPICION_MULT * log10n(n) * PROBE_INTERVAL


# ----------------------------------------------------------------------------------------------------------------
# Running


def sim_args(scenario, nodes, duration, seed, partitions, profile):
    # A scenario named `file:PATH` is a JSON scenario file.
    which = ["--file", scenario[5:]] if scenario.startswith("file:") else ["--scenario", scenario]
    return [
        "run", *which, "--nodes", str(nodes), "--duration", f"{duration:g}", "--seed", str(seed),
        "--profile", profile, "--partitions", str(partitions), "--json", "--quiet",
    ]


def run_one(peer_sim, kind, scenario, nodes, duration, seed, partitions, profile):
    args = sim_args(scenario, nodes, duration, seed, partitions, profile)
    started = time.monotonic()
    proc = subprocess.run([peer_sim] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.monotonic() - started
    record = {
        "kind": kind, "scenario": scenario, "nodes": nodes, "duration": duration, "seed": seed,
        "partitions": partitions, "profile": profile, "command": "peer-sim " + shlex.join(args),
        "exitCode": proc.returncode, "processWallSeconds": round(wall, 3),
    }
    try:
        record["report"] = json.loads(proc.stdout)
    except json.JSONDecodeError:
        record["report"] = None
        record["stderr"] = proc.stderr[-4000:]
    status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}"
    print(f"  {kind:5} {scenario} N={nodes} d={duration:g} seed={seed}: {wall:6.1f} s wall, {status}",
          file=sys.stderr, flush=True)
    return record


# ----------------------------------------------------------------------------------------------------------------
# Aggregation


def mean(xs):
    return statistics.fmean(xs) if xs else None


def percentile(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def aggregate_scale(runs):
    by_n = {}
    for r in runs:
        if r["kind"] == "scale":
            by_n.setdefault(r["nodes"], []).append(r)
    rows = []
    for n in sorted(by_n):
        group = by_n[n]
        reports = [r["report"] for r in group if r["report"]]
        first, all_, undetected = [], [], 0
        for rep in reports:
            for c in rep["crashes"]:
                if c.get("firstDetectedAfter") is not None:
                    first.append(c["firstDetectedAfter"])
                if c.get("allDetectedAfter") is not None:
                    all_.append(c["allDetectedAfter"])
                else:
                    undetected += 1
        join = [rep["joinConvergenceSeconds"] for rep in reports if rep.get("joinConvergenceSeconds") is not None]
        dur = group[0]["duration"]
        rows.append({
            "nodes": n,
            "duration": dur,
            "seeds": [r["seed"] for r in group],
            "crashes": sum(len(rep["crashes"]) for rep in reports),
            "crashesNotDetectedByAll": undetected,
            "joinConvergence": {"mean": mean(join), "min": min(join, default=None), "max": max(join, default=None),
                                "runsNotConverged": len(reports) - len(join)},
            "detectionFirst": {"mean": mean(first), "median": percentile(first, 50), "p95": percentile(first, 95),
                               "min": min(first, default=None), "max": max(first, default=None)},
            "detectionAll": {"mean": mean(all_), "median": percentile(all_, 50), "p95": percentile(all_, 95),
                             "min": min(all_, default=None), "max": max(all_, default=None)},
            "falsePositives": sum(len(rep["falsePositives"]) for rep in reports),
            "declarationsAfterFaults": sum(rep["declarationsAfterFaults"] for rep in reports),
            "messagesPerNodePerSecond": mean([rep["traffic"]["messagesPerNodePerSecond"] for rep in reports]),
            "bytesPerNodePerSecond": mean([rep["traffic"]["bytesPerNodePerSecond"] for rep in reports]),
            "streamBytesPerNodePerSecond": mean([rep["traffic"]["streamBytes"] / (n * rep["durationSeconds"])
                                                 for rep in reports]),
            "wallSeconds": mean([rep["performance"]["wallSeconds"] for rep in reports]),
            "peakResidentBytes": max((rep["performance"].get("peakResidentBytes", 0) for rep in reports), default=0),
            "scenario": group[0]["scenario"],
            "nodeSecondsPerWallSecond": mean([rep["performance"]["nodeSecondsPerWallSecond"] for rep in reports]),
            "violations": sum(len(rep["violations"]) for rep in reports) + sum(1 for r in group if not r["report"]),
            "failedRuns": [r["command"] for r in group if r["exitCode"] != 0],
            "reference": {
                "swimFirstDetection": SWIM_FIRST_DETECTION * PROBE_INTERVAL,
                "ourSuspicionMin": OUR_SUSPICION_MULT * log10n(n) * PROBE_INTERVAL,
                "ourDetectionEstimate": our_detection_estimate(n),
                "memberlistSuspicionMin": memberlist_suspicion_min(n),
                "memberlistDetection": memberlist_detection(n),
            },
        })
    return rows


def aggregate_lossy(runs):
    out = []
    for r in runs:
        if r["kind"] != "lossy":
            continue
        rep = r["report"] or {}
        out.append({
            "seed": r["seed"], "nodes": r["nodes"], "duration": r["duration"],
            "falsePositives": rep.get("falsePositives"),
            "declarationsAfterFaults": rep.get("declarationsAfterFaults"),
            "deathsDeclared": rep.get("deathsDeclared"),
            "droppedByLoss": rep.get("traffic", {}).get("droppedByLoss"),
            "datagramsSent": rep.get("traffic", {}).get("datagramsSent"),
            "violations": rep.get("violations"),
            "traceHash": rep.get("traceHash"),
            "exitCode": r["exitCode"],
            "replay": r["command"],
        })
    return out


# ----------------------------------------------------------------------------------------------------------------
# Markdown


def f(x, digits=2):
    return "–" if x is None else f"{x:.{digits}f}"


def join_cell(j):
    if j["mean"] is None:
        return "not converged"
    cell = f"{f(j['mean'])} ({f(j['min'])}–{f(j['max'])})"
    if j["runsNotConverged"]:
        cell += f", {j['runsNotConverged']} run(s) not converged"
    return cell


def rss_cell(row):
    rss = row.get("peakResidentBytes") or 0
    return f"{rss / 1e9:.2f} GB" if rss else "–"


def render_markdown(data):
    rows, lossy, meta = data["scale"], data["lossy"], data["meta"]
    L = []
    L.append("# peer-sim scale figures")
    L.append("")
    L.append(f"Generated by `scripts/sim-figures.py` on {meta['date']} from source commit `{meta['sourceCommit']}` "
             f"(host: {meta['host']}). Scenario `{meta['scenario']}`, profile `{meta['profile']}` (probe interval "
             f"1 s), topic partitions `{meta['partitions']}`, seeds {seed_range(meta['seeds'])}. "
             f"`crash-many` crashes max(2, N/10) random nodes 0.2 s apart, from max(20 s, 20 % of the run). "
             "Everything except the wall-clock columns is deterministic (same seed and flags, same trace hash).")
    L.append("")
    L.append("Times in seconds; detection = from the crash until the first live node (first) / every live node (all) "
             "holds the crashed node as dead, mean over all crashes of all seeds (p95 in brackets). "
             "Traffic per node per second: datagrams (messages, bytes) and push-pull stream bytes.")
    L.append("")
    L.append("| N | virtual s | crashes | join convergence (mean, min–max) | detection first | detection all "
             "| memberlist est.¹ | false pos. | msgs/node/s | datagram B/node/s | stream B/node/s "
             "| wall s/run | node·s per wall s | peak RSS |")
    L.append("|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        j, d1, da = r["joinConvergence"], r["detectionFirst"], r["detectionAll"]
        undet = f" ({r['crashesNotDetectedByAll']} not by all)" if r["crashesNotDetectedByAll"] else ""
        L.append(
            f"| {r['nodes']:,} | {r['duration']:g} | {r['crashes']}{undet} | {join_cell(j)} "
            f"| {f(d1['mean'])} [{f(d1['p95'])}] | {f(da['mean'])} [{f(da['p95'])}] "
            f"| {f(r['reference']['memberlistDetection'])} | {r['falsePositives']} "
            f"| {f(r['messagesPerNodePerSecond'], 1)} | {r['bytesPerNodePerSecond']:,.0f} "
            f"| {r['streamBytesPerNodePerSecond']:,.0f} | {f(r['wallSeconds'], 1)} "
            f"| {r['nodeSecondsPerWallSecond']:,.0f} | {rss_cell(r)} |")
    L.append("")
    L.append("¹ Analytic, not simulated: SWIM's expected first detection e/(e−1) ≈ 1.58 probe periods plus "
             "memberlist's minimum suspicion timeout 4·log10(N)·probe interval (4 s at N = 10, 8 s at 100, 12 s at "
             "1,000). memberlist only reaches that minimum after SuspicionMult−2 = 2 independent confirmations, so "
             "this is its best case. Our lan profile uses 1·log10(N) (confirmation probes bring the two "
             "confirmations within a round), so our analytic estimate is 1.58 + log10(N) s: "
             + ", ".join(f"{our_detection_estimate(r['nodes']):.2f} s at N = {r['nodes']:,}" for r in rows) + ".")
    notes = []
    for r in rows:
        if r.get("scenario", meta["scenario"]) != meta["scenario"]:
            notes.append(f"N = {r['nodes']:,} ran `{r['scenario']}` (seeds {seed_range(r['seeds'])}, "
                         f"{r['duration']:g} virtual s) instead: crash-many's N/10 crashes 0.2 s apart would take "
                         "200 virtual s and hours of wall time there.")
        if r["violations"] or r["failedRuns"]:
            notes.append(f"N = {r['nodes']:,}: {r['violations']} invariant violation(s); failing runs: "
                         + "; ".join(f"`{c}`" for c in r["failedRuns"]))
        if r["declarationsAfterFaults"]:
            notes.append(f"N = {r['nodes']:,}: {r['declarationsAfterFaults']} healthy node(s) declared dead within "
                         "the grace period after a fault (not counted as false positives).")
    if notes:
        L.append("")
        L.extend(f"- {n}" for n in notes)
    L.append("")
    L.append("![detection latency, join convergence and traffic against N](sim-scale.svg)")
    L.append("")
    if lossy:
        L.append(f"## Lossy check (10 % loss on every link, profile lan, N = {lossy[0]['nodes']}, "
                 f"{lossy[0]['duration']:g} virtual s)")
        L.append("")
        L.append("| seed | false positives | declared dead within fault grace | deaths declared | datagrams lost / sent "
                 "| invariant violations | replay |")
        L.append("|---:|---:|---:|---:|---:|---|---|")
        for r in lossy:
            fp = r["falsePositives"]
            fp_s = "–" if fp is None else (str(len(fp)) if not fp else
                                           f"{len(fp)}: " + ", ".join(f"{x['declaredBy']}→{x['target']} at {x['at']:.1f}s"
                                                                      for x in fp[:5]))
            v = r["violations"]
            v_s = "–" if v is None else ("none" if not v else "; ".join(f"{x['checker']}: {x['message']}" for x in v))
            L.append(f"| {r['seed']} | {fp_s} | {r['declarationsAfterFaults']} | {r['deathsDeclared']} "
                     f"| {r['droppedByLoss']:,} / {r['datagramsSent']:,} | {v_s} | `{r['replay']}` |")
        L.append("")
    L.append("## Commands")
    L.append("")
    L.append("```")
    L.append("swift build -c release --product peer-sim")
    L.append(meta["invocation"])
    L.append("```")
    L.append("")
    L.append(f"Total wall time of that invocation: {meta['totalWallSeconds']:.0f} s ({meta['jobs']} job(s) at a time, "
             f"on a shared {meta['cpus']}-core machine). The runs it made (`peer-sim` = "
             "`.build/release/peer-sim`):")
    L.append("")
    L.append("```")
    for r in data["runs"]:
        L.append(r["command"])
    L.append("```")
    L.append("")
    return "\n".join(L)


# ----------------------------------------------------------------------------------------------------------------
# SVG


def esc(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Panel:
    def __init__(self, x, y, w, h, xmin, xmax, ymin, ymax, ylog=False):
        self.x, self.y, self.w, self.h = x, y, w, h
        self.xmin, self.xmax, self.ymin, self.ymax, self.ylog = xmin, xmax, ymin, ymax, ylog

    def px(self, n):
        a, b = math.log10(self.xmin), math.log10(self.xmax)
        return self.x + (math.log10(n) - a) / (b - a) * self.w

    def py(self, v):
        if self.ylog:
            a, b = math.log10(self.ymin), math.log10(self.ymax)
            t = (math.log10(max(v, self.ymin)) - a) / (b - a)
        else:
            t = (v - self.ymin) / (self.ymax - self.ymin)
        return self.y + self.h - t * self.h


def nice_max(v):
    if v <= 0:
        return 1.0
    mag = 10 ** math.floor(math.log10(v))
    for m in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if v <= m * mag:
            return m * mag
    return 10 * mag


def lin_ticks(vmax):
    step = vmax / 5 if vmax / 5 >= 1 else vmax / 4
    mag = 10 ** math.floor(math.log10(step))
    step = min((s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= step), default=step)
    ticks, t = [], 0.0
    while t <= vmax + 1e-9:
        ticks.append(round(t, 6))
        t += step
    return ticks


def fmt_tick(v):
    if v >= 1000:
        return f"{v:,.0f}"
    if v == int(v):
        return f"{int(v)}"
    return f"{v:g}"


def seed_range(seeds):
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}–{seeds[-1]}"
    return ", ".join(map(str, seeds))


def render_svg(data):
    rows = data["scale"]
    meta = data["meta"]
    ns = [r["nodes"] for r in rows]
    W, H = 1260, 530
    pw, ph, top = 300, 270, 92
    lefts = [80, 505, 930]
    xmin, xmax = 5, max(ns) * 2
    out = []
    a = out.append
    a(f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
      'font-family="Helvetica, Arial, sans-serif" font-size="12">')
    a(f'<rect width="{W}" height="{H}" fill="white"/>')
    a(f'<text x="{W / 2}" y="26" text-anchor="middle" font-size="17" font-weight="bold">'
      f'peer-sim at scale: {esc(meta["scenario"])}, lan profile (probe interval 1 s), '
      f'mean over seeds {esc(seed_range(meta["seeds"]))}</text>')
    a(f'<text x="{W / 2}" y="46" text-anchor="middle" font-size="11.5" fill="#555">'
      f'simulated with the real SWIM core, wire encoding and sealing; source {esc(meta["sourceCommit"][:10])}, '
      f'{esc(meta["date"])}. Dashed/dotted lines are analytic references, not simulations.</text>')

    colors = {"first": "#1f77b4", "all": "#2ca02c", "ours": "#1f77b4", "ml": "#d62728", "mlmin": "#ff7f0e",
              "swim": "#7f7f7f", "join": "#9467bd", "dgram": "#1f77b4", "stream": "#8c564b"}

    def axes(p, title, ylabel, yticks):
        a(f'<text x="{p.x + p.w / 2}" y="{p.y - 14}" text-anchor="middle" font-size="14" font-weight="bold">'
          f'{esc(title)}</text>')
        for t in yticks:
            y = p.py(t)
            a(f'<line x1="{p.x}" y1="{y:.1f}" x2="{p.x + p.w}" y2="{y:.1f}" stroke="#e6e6e6"/>')
            a(f'<text x="{p.x - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#333">{fmt_tick(t)}</text>')
        n = 10
        while n <= xmax:
            if n >= xmin:
                x = p.px(n)
                a(f'<line x1="{x:.1f}" y1="{p.y}" x2="{x:.1f}" y2="{p.y + p.h}" stroke="#e6e6e6"/>')
                a(f'<text x="{x:.1f}" y="{p.y + p.h + 16}" text-anchor="middle" fill="#333">{n:,}</text>')
            n *= 10
        a(f'<rect x="{p.x}" y="{p.y}" width="{p.w}" height="{p.h}" fill="none" stroke="#333"/>')
        a(f'<text x="{p.x + p.w / 2}" y="{p.y + p.h + 34}" text-anchor="middle">cluster size N (nodes, log scale)'
          '</text>')
        cx, cy = p.x - 48, p.y + p.h / 2
        a(f'<text x="{cx}" y="{cy}" text-anchor="middle" transform="rotate(-90 {cx} {cy})">{esc(ylabel)}</text>')

    def polyline(p, pts, color, dash=None, width=2.0):
        d = " ".join(f"{p.px(x):.1f},{p.py(y):.1f}" for x, y in pts)
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        a(f'<polyline points="{d}" fill="none" stroke="{color}" stroke-width="{width}"{extra}/>')

    def marker(p, x, y, color, shape="circle", dx=0.0):
        cx, cy = p.px(x) + dx, p.py(y)
        if shape == "square":
            a(f'<rect x="{cx - 4:.1f}" y="{cy - 4:.1f}" width="8" height="8" fill="{color}"/>')
        elif shape == "diamond":
            a(f'<polygon points="{cx:.1f},{cy - 5.5:.1f} {cx + 5.5:.1f},{cy:.1f} {cx:.1f},{cy + 5.5:.1f} '
              f'{cx - 5.5:.1f},{cy:.1f}" fill="{color}"/>')
        else:
            a(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4.2" fill="{color}"/>')

    def whisker(p, x, lo, hi, color, dx=0.0):
        cx = p.px(x) + dx
        a(f'<line x1="{cx:.1f}" y1="{p.py(lo):.1f}" x2="{cx:.1f}" y2="{p.py(hi):.1f}" stroke="{color}" '
          'stroke-width="1.2" opacity="0.7"/>')
        for v in (lo, hi):
            a(f'<line x1="{cx - 3:.1f}" y1="{p.py(v):.1f}" x2="{cx + 3:.1f}" y2="{p.py(v):.1f}" stroke="{color}" '
              'stroke-width="1.2" opacity="0.7"/>')

    def legend(p, items):
        y = p.y + p.h + 56
        for label, color, kind in items:
            x = p.x - 40
            if kind == "point":
                a(f'<line x1="{x}" y1="{y - 4}" x2="{x + 26}" y2="{y - 4}" stroke="{color}" stroke-width="2"/>')
                a(f'<circle cx="{x + 13}" cy="{y - 4}" r="4" fill="{color}"/>')
            elif kind == "square":
                a(f'<line x1="{x}" y1="{y - 4}" x2="{x + 26}" y2="{y - 4}" stroke="{color}" stroke-width="2"/>')
                a(f'<rect x="{x + 9}" y="{y - 8}" width="8" height="8" fill="{color}"/>')
            else:
                a(f'<line x1="{x}" y1="{y - 4}" x2="{x + 26}" y2="{y - 4}" stroke="{color}" stroke-width="2" '
                  f'stroke-dasharray="{kind}"/>')
            a(f'<text x="{x + 34}" y="{y}" font-size="11.5">{esc(label)}</text>')
            y += 17

    xs_ref = [10 ** (math.log10(xmin) + i * (math.log10(xmax) - math.log10(xmin)) / 60) for i in range(61)]

    # Panel 1: detection latency.
    ytop = nice_max(max([r["reference"]["memberlistDetection"] for r in rows]
                        + [r["detectionAll"]["max"] or 0 for r in rows]) * 1.05)
    p = Panel(lefts[0], top, pw, ph, xmin, xmax, 0, ytop)
    axes(p, "Crash detection latency", "seconds after the crash", lin_ticks(ytop))
    polyline(p, [(x, SWIM_FIRST_DETECTION) for x in xs_ref], colors["swim"], "2,3", 1.5)
    polyline(p, [(x, memberlist_suspicion_min(x)) for x in xs_ref], colors["mlmin"], "2,3", 1.8)
    polyline(p, [(x, memberlist_detection(x)) for x in xs_ref], colors["ml"], "7,4", 2)
    polyline(p, [(x, our_detection_estimate(x)) for x in xs_ref], colors["ours"], "7,4", 1.3)
    for key, color, shape, dx in (("detectionFirst", colors["first"], "circle", -4), ("detectionAll", colors["all"],
                                                                                      "square", 4)):
        pts = [(r["nodes"], r[key]["mean"]) for r in rows if r[key]["mean"] is not None]
        for r in rows:
            if r[key]["min"] is not None:
                whisker(p, r["nodes"], r[key]["min"], r[key]["max"], color, dx)
        polyline(p, [(x, y) for x, y in pts], color)
        for x, y in pts:
            marker(p, x, y, color, shape, dx)
    legend(p, [
        ("ours: first node (mean; bar = min–max)", colors["first"], "point"),
        ("ours: all nodes (mean; bar = min–max)", colors["all"], "square"),
        ("ours, analytic: 1.58 s + 1·log10(N) s", colors["ours"], "7,4"),
        ("memberlist, analytic: 1.58 s + 4·log10(N) s", colors["ml"], "7,4"),
        ("memberlist min. suspicion 4·log10(N) s", colors["mlmin"], "2,3"),
        ("SWIM expected first detection 1.58 s", colors["swim"], "2,3"),
    ])

    # Panel 2: join convergence (log y).
    joins = [r["joinConvergence"] for r in rows if r["joinConvergence"]["mean"] is not None]
    lo = min(j["min"] for j in joins)
    hi = max(j["max"] for j in joins)
    ylo = 10 ** math.floor(math.log10(lo))
    yhi = 10 ** math.ceil(math.log10(hi * 1.01))
    p = Panel(lefts[1], top, pw, ph, xmin, xmax, ylo, yhi, ylog=True)
    ticks, t = [], ylo
    while t <= yhi * 1.0001:
        ticks.append(t)
        t *= 10
    axes(p, "Join convergence", "seconds (log scale)", ticks)
    pts = [(r["nodes"], r["joinConvergence"]["mean"]) for r in rows if r["joinConvergence"]["mean"] is not None]
    for r in rows:
        j = r["joinConvergence"]
        if j["min"] is not None:
            whisker(p, r["nodes"], j["min"], j["max"], colors["join"])
    polyline(p, pts, colors["join"])
    for i, (x, y) in enumerate(pts):
        marker(p, x, y, colors["join"], "diamond")
        # The line rises to the right: label below-right of a point, above-left of the last one.
        last = i == len(pts) - 1
        lx, ly, anchor = (p.px(x) - 9, p.py(y) - 6, "end") if last else (p.px(x) + 9, p.py(y) + 15, "start")
        a(f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" font-size="11" fill="{colors["join"]}">'
          f'{y:.2f} s</text>')
    legend(p, [
        ("every node sees all N alive (mean; bar = min–max)", colors["join"], "point"),
        ("all N start within min(2 s, N·2 ms),", "white", "point"),
        ("each with only node 0 as seed", "white", "point"),
    ])

    # Panel 3: traffic.
    ymax = nice_max(max(max(r["bytesPerNodePerSecond"], r["streamBytesPerNodePerSecond"]) for r in rows) / 1000 * 1.1)
    p = Panel(lefts[2], top, pw, ph, xmin, xmax, 0, ymax)
    axes(p, "Traffic per node", "kB per node per second", lin_ticks(ymax))
    for key, color, shape in (("bytesPerNodePerSecond", colors["dgram"], "circle"),
                              ("streamBytesPerNodePerSecond", colors["stream"], "square")):
        pts = [(r["nodes"], r[key] / 1000) for r in rows]
        polyline(p, pts, color)
        for x, y in pts:
            marker(p, x, y, color, shape)
    for r in rows:
        for key, color in (("bytesPerNodePerSecond", colors["dgram"]), ("streamBytesPerNodePerSecond",
                                                                          colors["stream"])):
            v = r[key] / 1000
            a(f'<text x="{p.px(r["nodes"]) - 7:.1f}" y="{p.py(v) - 7:.1f}" text-anchor="end" font-size="10.5" '
              f'fill="{color}">{v:.1f}</text>')
    msgs = ", ".join(f"{r['messagesPerNodePerSecond']:.1f}" for r in rows)
    legend(p, [
        ("UDP datagrams, sealed", colors["dgram"], "point"),
        ("push-pull streams (join + anti-entropy)", colors["stream"], "square"),
        ("mean over the whole run, join burst included;", "white", "point"),
        (f"datagrams per node per second: {msgs}", "white", "point"),
    ])
    a("</svg>")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------------------------------------------


def source_commit(peer_sim):
    d = os.path.dirname(os.path.abspath(peer_sim))
    try:
        return subprocess.run(["git", "-C", d, "rev-parse", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--peer-sim", default=".build/release/peer-sim", help="peer-sim binary")
    ap.add_argument("--seeds", type=int, default=3, help="seeds per cluster size (1..K; default 3)")
    ap.add_argument("--scenario", default="crash-many", help="scale scenario (default crash-many)")
    ap.add_argument("--partitions", type=int, default=12, help="topic partitions passed to peer-sim (default 12)")
    ap.add_argument("--include-10k", action="store_true",
                    help="also N = 10000: one seed, 60 virtual s, 3 crashes at 50 s (about 14 GB, an hour of wall time)")
    ap.add_argument("--reuse", action="store_true",
                    help="keep runs already in OUT/sim-scale.json whose command matches; run only the missing ones")
    ap.add_argument("--durations", default=",".join(f"{n}:{d:g}" for n, d in DEFAULT_DURATIONS.items()),
                    help="virtual seconds per N, as N:S,... (default %(default)s)")
    ap.add_argument("--lossy-nodes", type=int, default=50)
    ap.add_argument("--lossy-duration", type=float, default=600)
    ap.add_argument("--lossy-seeds", type=int, default=3)
    ap.add_argument("--no-lossy", action="store_true")
    ap.add_argument("--jobs", type=int, default=1, help="runs at a time (default 1; N = 1000 takes ~1.1 GB each)")
    ap.add_argument("--out", default="docs/figures", help="output directory")
    ap.add_argument("--render-only", action="store_true", help="redraw .md/.svg from OUT/sim-scale.json")
    args = ap.parse_args()

    json_path = os.path.join(args.out, "sim-scale.json")
    if args.render_only:
        with open(json_path) as fh:
            data = json.load(fh)
    else:
        if not os.access(args.peer_sim, os.X_OK):
            sys.exit(f"sim-figures: {args.peer_sim} is not executable; "
                     "build it with `swift build -c release --product peer-sim` or pass --peer-sim PATH")
        durations = {int(k): float(v) for k, v in (kv.split(":") for kv in args.durations.split(","))}
        sizes = [10, 100, 1000] + ([10000] if args.include_10k else [])
        seeds = list(range(1, args.seeds + 1))
        jobs = []
        for n in sizes:
            if n == 10000:
                jobs.append(("scale", SCENARIO_10K, n, durations[n], 1, args.partitions, "lan"))
                continue
            for s in seeds:
                jobs.append(("scale", args.scenario, n, durations[n], s, args.partitions, "lan"))
        if not args.no_lossy:
            for s in range(1, args.lossy_seeds + 1):
                jobs.append(("lossy", "lossy", args.lossy_nodes, args.lossy_duration, s, args.partitions, "lan"))
        # Largest first, so parallel jobs do not leave one long run at the end.
        order = sorted(range(len(jobs)), key=lambda i: -jobs[i][2] * jobs[i][3])
        print(f"sim-figures: {len(jobs)} runs with {args.peer_sim}", file=sys.stderr)
        started = time.monotonic()
        kept = {}
        if args.reuse and os.path.exists(json_path):
            with open(json_path) as fh:
                kept = {r["command"]: r for r in json.load(fh)["runs"] if r.get("report")}

        def command_of(job):
            return "peer-sim " + shlex.join(sim_args(job[1], *job[2:]))

        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = {i: pool.submit(run_one, args.peer_sim, *jobs[i]) for i in order
                       if command_of(jobs[i]) not in kept}
            runs = [futures[i].result() if i in futures else kept[command_of(jobs[i])] for i in range(len(jobs))]
        total = time.monotonic() - started
        # Keep the invocation portable: drop an absolute --peer-sim path (the runs used the binary built above).
        argv, skip = [], False
        for a in sys.argv[1:]:
            if skip:
                skip = False
                continue
            if a == "--peer-sim":
                skip = True
                continue
            if a.startswith("--peer-sim="):
                continue
            argv.append(a)
        invocation = shlex.join(["python3", "scripts/sim-figures.py"] + argv)
        data = {
            "meta": {
                "date": time.strftime("%Y-%m-%d"),
                "sourceCommit": source_commit(args.peer_sim),
                "host": f"{os.uname().sysname} {os.uname().machine}, {os.cpu_count()} CPUs",
                "cpus": os.cpu_count(),
                "scenario": args.scenario,
                "profile": "lan",
                "partitions": args.partitions,
                "seeds": seeds,
                "durations": {str(n): durations[n] for n in sizes},
                "jobs": args.jobs,
                "invocation": invocation,
                "totalWallSeconds": round(total, 1),
            },
            "runs": runs,
        }
        data["scale"] = aggregate_scale(runs)
        data["lossy"] = aggregate_lossy(runs)
        os.makedirs(args.out, exist_ok=True)
        with open(json_path, "w") as fh:
            json.dump(data, fh, indent=1, sort_keys=False)
            fh.write("\n")
        print(f"sim-figures: {len(runs)} runs in {total:.0f} s", file=sys.stderr)

    data["scale"] = aggregate_scale(data["runs"])
    data["lossy"] = aggregate_lossy(data["runs"])
    with open(os.path.join(args.out, "sim-scale.md"), "w") as fh:
        fh.write(render_markdown(data))
    with open(os.path.join(args.out, "sim-scale.svg"), "w") as fh:
        fh.write(render_svg(data))
    print(f"sim-figures: wrote {args.out}/sim-scale.{{json,md,svg}}", file=sys.stderr)


if __name__ == "__main__":
    main()
