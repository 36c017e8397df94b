"""Workload modules.  Every module here (not starting with "_") defines `WORKLOADS`, a list
of benchmarks.workload.Workload; each workload names its suite ("ops", later "models",
"memory", "compile" ...).  A new suite is a new module: nothing else needs to change.
Modules starting with "_" are not loaded on their own: helpers, or parts of a suite that
its main module imports (_ops_nn.py is part of ops.py).
"""
import importlib
import pkgutil


def modules():
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def load(suite="all"):
    """(workloads of `suite` -- every suite for "all" --, [import problems as lines])."""
    found, problems = [], []
    for name in modules():
        try:
            mod = importlib.import_module("%s.%s" % (__name__, name))
        except Exception as err:
            problems.append("workloads/%s.py failed to import: %s: %s" % (name, type(err).__name__, err))
            continue
        for w in getattr(mod, "WORKLOADS", ()):
            if suite in ("all", w.suite):
                found.append(w)
    return found, problems


def suites():
    ws, _ = load("all")
    return sorted({w.suite for w in ws})
