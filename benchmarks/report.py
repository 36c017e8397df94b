"""Reports: the readable table, the JSON file and (when matplotlib is importable) a chart."""
import json
import os

ORDER = ("ours", "numpy", "torch", "torch.compile", "mxnet")
SHORT = {"numpy": "np", "torch": "torch", "torch.compile": "t.comp", "mxnet": "mxnet"}


def fmt_time(s):
    if s is None:
        return "-"
    if s < 1e-3:
        return "%.3g µs" % (s * 1e6)
    if s < 1:
        return "%.3g ms" % (s * 1e3)
    return "%.3g s" % s


def fmt_ratio(r):
    if r is None:
        return "-"
    return "%.2fx" % r if r < 100 else "%.0fx" % r


def cell(entry):
    """Median time of an implementation, or its status."""
    if not entry:
        return "-"
    if entry.get("time"):
        return fmt_time(entry["time"]["median"])
    return {"not available": "n/a", "wrong": "WRONG", "error": "ERROR"}.get(entry.get("status"), "-")


def rate(res, impl, limits):
    entry = res["impls"].get(impl, {})
    if entry.get("GFLOPs") is not None:
        lim = limits.get("blas_GFLOPs")
        pct = " (%d%%)" % round(100 * entry["GFLOPs"] / lim) if lim else ""
        return "%.1f GFLOP/s%s" % (entry["GFLOPs"], pct)
    if entry.get("GBps") is not None:
        lim = limits.get("memcopy_GBps")
        pct = " (%d%%)" % round(100 * entry["GBps"] / lim) if lim else ""
        return "%.1f GB/s%s" % (entry["GBps"], pct)
    return ""


def fmt_value(v, kind):
    """A probe metric: bytes as MB, seconds as a time, counts as integers."""
    if v is None:
        return "-"
    if kind == "bytes":
        return "%.1f MB" % (v / 1e6) if abs(v) < 1e10 else "%.2f GB" % (v / 1e9)
    if kind == "s":
        return fmt_time(v)
    if kind == "ratio":
        return "%.0f%%" % (100 * v)
    return "%d" % v if float(v).is_integer() else "%.3g" % v


def probe_cell(res, impl, key=None):
    entry = res["impls"].get(impl)
    if not entry:
        return "-"
    if entry.get("status") not in ("ok", "wrong") or "values" not in entry:
        return {"not available": "n/a", "error": "ERROR"}.get(entry.get("status"), "-")
    key = key or res["primary"]
    kind = {m[0]: m[2] for m in res["metrics"]}.get(key)
    return fmt_value(entry["values"].get(key), kind)


def progress_line(res):
    if res.get("unit") == "probe":
        label = {m[0]: m[1].strip() for m in res["metrics"]}.get(res["primary"], res["primary"])
        parts = ["%s:" % label] + ["%s %s" % (i, probe_cell(res, i)) for i in ORDER if i in res["impls"]]
        if res.get("reason") and res["status"] != "ok":
            parts.append("(%s: %s)" % (res["status"], res["reason"]))
        return "  ".join(parts)
    parts = []
    for impl in ORDER:
        e = res["impls"].get(impl)
        if e is not None:
            parts.append("%s %s" % (impl, cell(e)))
    if res.get("reason") and res["status"] != "ok":
        parts.append("(%s: %s)" % (res["status"], res["reason"]))
    return "  ".join(parts)


def _peers_in(rep):
    present = set()
    for r in rep["results"]:
        present.update(r["impls"])
    return [i for i in ORDER[1:] if i in present]


def _header(rep):
    o, m, lim = rep["options"], rep["machine"], rep.get("limits", {})
    cpu = m.get("cpu", {})
    vers = ", ".join("%s %s" % kv for kv in m.get("versions", {}).items())
    blas = m.get("blas", {})
    blas_s = " ".join(str(v) for k, v in blas.items() if k in ("name", "version")) or "?"
    cores = m.get("blas_cores") or {}
    if cores:
        blas_s += " (%s)" % ", ".join("%s: %s kernels" % kv for kv in sorted(cores.items()))
    thr = rep.get("threads", {})
    lines = [
        "suite %s | %s | %d threads (numba %s, torch %s) | %d reps x >=%g ms, interleaved | %s sizes"
        % (o["suite"], o["device"], o["threads"], thr.get("numba_threads", "-"),
           thr.get("torch_threads", "-"),
           o["repeat"], o["min_time"] * 1e3, "quick" if o["quick"] else "full"),
        "machine: %s, %s of %s cpus usable, %s | blas %s | %s | git %s | load %s"
        % (cpu.get("model"), m.get("usable_cpus"), m.get("logical_cpus"), " ".join(cpu.get("flags", [])),
           blas_s, vers, m.get("git"), " ".join("%.1f" % x for x in m.get("loadavg", []))),
    ]
    if lim:
        lines.append("limits measured in this run: memory copy %.1f GB/s (read+write, %d MB np.copyto on %d "
                     "thread(s); 1 thread: %.1f GB/s), float32 GEMM %d^3 %.1f GFLOP/s (NumPy's BLAS)"
                     % (lim.get("memcopy_GBps", 0), lim["memcopy_bytes"] >> 20, lim.get("memcopy_threads", 1),
                        lim.get("memcopy_1thread_GBps") or 0, lim["gemm_n"], lim.get("blas_GFLOPs", 0)))
    return lines


def _align(cols, rows, right):
    widths = [max(len(str(x)) for x in col) for col in zip(cols, *rows)]

    def line(vals):
        return "  ".join(str(v).rjust(w) if rj else str(v).ljust(w) for v, w, rj in zip(vals, widths, right))
    return [line(cols), line(["-" * w for w in widths])] + [line(r) for r in rows]


def format_probe_table(results):
    """Rows of metric values per implementation for the probe suites (memory, compile)."""
    impls = [i for i in ORDER if any(i in r["impls"] for r in results)]
    peers = [i for i in impls if i != "ours"]
    cols = ["workload", "metric"] + impls + ["ours/" + SHORT[p] for p in peers]
    rows, notes = [], []
    for r in results:
        for k, (key, label, kind) in enumerate(r["metrics"]):
            cells = [probe_cell(r, i, key) for i in impls]
            if all(c == "-" for c in cells):
                continue
            ratios = []
            ours = r["impls"].get("ours", {}).get("values", {}).get(key)
            for p in peers:
                theirs = r["impls"].get(p, {}).get("values", {}).get(key)
                ratios.append(fmt_ratio(ours / theirs) if ours and theirs and kind != "count" else "")
            rows.append([r["name"] if not any(row[0] == r["name"] for row in rows) else "",
                         label + (" *" if key == r["primary"] else "")] + cells + ratios)
        for impl in ORDER:
            e = r["impls"].get(impl)
            if e and e.get("status") not in (None, "ok"):
                notes.append("%s / %s: %s -- %s" % (r["name"], impl, e["status"], e.get("reason", "")))
        notes += ["%s: %s" % (r["name"], n) for n in r.get("notes", [])]
    out = _align(cols, rows, [False, False] + [True] * (len(cols) - 2))
    out += ["", "probe suites: every number from fresh processes, one library each; * the metric of "
                "the workload's ratio; ours/peer > 1: ours uses more (memory) or takes longer (time)."]
    return out, notes


def format_table(rep):
    timed = [r for r in rep["results"] if r.get("unit") != "probe"]
    probes = [r for r in rep["results"] if r.get("unit") == "probe"]
    out, notes = _format_timed(dict(rep, results=timed)) if timed or not probes else (_header(rep), [])
    if probes:
        lines, pnotes = format_probe_table(probes)
        out += [""] + lines
        notes += pnotes
    if any("mxnet" in r["impls"] for r in rep["results"]):
        out.append("mxnet was run in a separate process after the others (not interleaved).")
    out += ["note: " + n for n in rep.get("notes", []) + notes]
    return "\n".join(out)


def _format_timed(rep):
    peers = _peers_in(rep)
    cols = ["workload", "ours", "±", "1st call"]
    for p in peers:
        cols += [p, "ours/" + SHORT[p]]
    cols.append("ours rate")
    rows = []
    notes = []
    for r in rep["results"]:
        ours = r["impls"].get("ours", {})
        t = ours.get("time")
        row = [r["name"], cell(ours), "%d%%" % round(100 * t["iqr_rel"]) if t else "",
               fmt_time(ours.get("first_call_s"))]
        for p in peers:
            row += [cell(r["impls"].get(p)), fmt_ratio(r["ratios"].get(p))]
        row.append(rate(r, "ours", rep.get("limits", {})))
        rows.append(row)
        for impl in ORDER:
            e = r["impls"].get(impl)
            if e and e.get("status") not in (None, "ok"):
                notes.append("%s / %s: %s -- %s" % (r["name"], impl, e["status"], e.get("reason", "")))
        if r.get("status") == "error" and "ours" not in r["impls"]:
            notes.append("%s: error -- %s" % (r["name"], r.get("reason", "")))
    out = _header(rep) + [""] + _align(cols, rows, [False] + [True] * (len(cols) - 1))
    out += ["",
            "times: median per call; ±: interquartile range / median; ours/peer > 1 means ours is slower; "
            "1st call: ours' first call in this process on the check size (JIT compile or kernel-cache load "
            "included); ours rate: minimal bytes read+written or flops per second, (% of the limit above)."]
    return out, notes


def write_json(rep, path):
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    with open(path, "w") as f:
        json.dump(rep, f, indent=1, default=str)


def write_png(rep, path):
    """Bar chart of ours/peer per workload (log scale); False when matplotlib is missing."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception:
        return False
    peers = [p for p in _peers_in(rep) if any(p in r["ratios"] for r in rep["results"])]
    names = [r["name"] for r in rep["results"]]
    if not peers or not names:
        return False
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(names) * len(peers) + 1.5))
    h = 0.8 / len(peers)
    for k, p in enumerate(peers):
        ys = [i + k * h for i in range(len(names))]
        vals = [r["ratios"].get(p, float("nan")) for r in rep["results"]]
        ax.barh(ys, [v - 1 for v in vals], left=1, height=h, label="ours / " + p)  # bars start at 1
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_yticks([i + 0.4 - h / 2 for i in range(len(names))])
    ax.set_yticklabels(names)
    ax.invert_yaxis()
    ax.set_xlabel("time ratio ours / peer (< 1: ours faster)")
    ax.set_title("suite %s, %s, %d threads" % (rep["options"]["suite"], rep["options"]["device"],
                                               rep["options"]["threads"]))
    ax.legend(loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True
