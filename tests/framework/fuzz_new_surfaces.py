"""Attack session 2's user-facing surfaces with bad input; print one JSON line per finding.

    python -m tests.framework.fuzz_new_surfaces            # every group, each in a subprocess
    python -m tests.framework.fuzz_new_surfaces load_sym   # some groups
    python -m tests.framework.fuzz_new_surfaces --child GROUP [--skip N]   # (internal)

Cases live in tests/framework/fuzz_cases_load.py (files on disk), fuzz_cases_data.py
(datasets, iterators, DataLoader, metrics, split/samplers), fuzz_cases_run.py (layers,
losses, Trainer, Module, CachedOp, gluon.rnn) and fuzz_cases_ops.py (optimizer ops and
optimizers, kvstore, RNN op).  Each case is a thunk with an expectation: "error" (bad input:
must raise MXNetError, MXNet's own class, whose message contains the given words; a few
accept the Python class MXNet itself raises, e.g. FileNotFoundError from open()), "ok" (a
control: must succeed) or "any" (success and MXNetError are both fine: a flipped byte that
still parses, or bad input MXNet 1.9.1 itself accepts).  Outcomes reported:

  silent   bad input accepted without an error (possible silent wrong result)
  foreign  an exception that is not an MXNetError (IndexError, KeyError, struct.error, ...)
  unclear  MXNetError whose message lacks the names/shapes the case expects
  broken   a control case failed
  hang     a case ran past its time limit
  crash    the process died (segfault, abort): the group is restarted after that case

Every group runs in its own process; the child prints {"start": i} before case i, so the
parent knows which case killed it and restarts the group after it.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CASE_TIMEOUT = 60        # SIGALRM per case (Python code)
GROUP_TIMEOUT = 1800     # per child process (a kernel that never returns)


class Case:
    __slots__ = ("name", "thunk", "expect", "words", "allow")

    def __init__(self, name, thunk, expect="error", words=(), allow=()):
        self.name, self.thunk, self.expect, self.words = name, thunk, expect, tuple(words)
        self.allow = allow if isinstance(allow, tuple) else (allow,)


class Registry:
    """Collects the cases of one group: reg.bad(name, thunk, words) / reg.good(name, thunk)."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.cases = []

    def bad(self, name, thunk, *words):
        self.cases.append(Case(name, thunk, "error", words))

    def raises(self, name, thunk, allow, *words):
        """Bad input for which MXNet itself raises `allow` (e.g. FileNotFoundError from
        open()): that class is accepted as well as MXNetError."""
        self.cases.append(Case(name, thunk, "error", words, allow))

    def good(self, name, thunk):
        self.cases.append(Case(name, thunk, "ok"))

    def either(self, name, thunk):
        """Success and MXNetError are both fine (e.g. a flipped byte that still parses)."""
        self.cases.append(Case(name, thunk, "any"))

    def path(self, name):
        return os.path.join(self.tmp, name)


def _groups():
    from tests.framework import fuzz_cases_load, fuzz_cases_data, fuzz_cases_run, fuzz_cases_ops
    groups = {}
    for mod in (fuzz_cases_load, fuzz_cases_data, fuzz_cases_run, fuzz_cases_ops):
        groups.update(mod.GROUPS)
    return groups


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def _classify(case):
    from framework.base import MXNetError
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(CASE_TIMEOUT)
    try:
        case.thunk()
    except _Timeout:
        return "hang", "ran past %d s" % CASE_TIMEOUT, ""
    except MXNetError as err:
        msg = str(err)
        if case.expect == "ok":
            return "broken", msg[:400], type(err).__name__
        if case.expect == "any":
            return None, msg[:200], type(err).__name__
        missing = [w for w in case.words if w.lower() not in msg.lower()]
        if missing:
            return "unclear", "missing %s in: %s" % (missing, msg[:400]), type(err).__name__
        return None, msg[:200], type(err).__name__
    except BaseException as err:  # noqa: BLE001 - this is what the fuzzer looks for
        if isinstance(err, KeyboardInterrupt):
            raise
        if case.allow and isinstance(err, case.allow):
            return None, str(err)[:200], type(err).__name__
        where = traceback.format_exc().strip().splitlines()
        return ("broken" if case.expect == "ok" else "foreign",
                "%s | %s" % (str(err)[:300], " / ".join(l.strip() for l in where[-3:-1])[:300]),
                type(err).__name__)
    finally:
        signal.alarm(0)
    if case.expect == "error":
        return "silent", "no error raised", ""
    return None, "ok", ""


def child(group, skip):
    import warnings
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        reg = Registry(tmp)
        _groups()[group](reg)
        for i, case in enumerate(reg.cases):
            if i < skip:
                continue
            print(json.dumps({"start": i, "case": case.name}), flush=True)
            kind, detail, err = _classify(case)
            print(json.dumps({"done": i, "case": case.name, "kind": kind, "error": err,
                              "detail": detail}), flush=True)
    print(json.dumps({"end": group, "cases": len(reg.cases)}), flush=True)


def run_group(group, verbose=False):
    """Findings of one group (list of dicts), restarting the child after a crash."""
    findings, skip, total = [], 0, None
    while True:
        try:
            proc = subprocess.run([sys.executable, "-m", "tests.framework.fuzz_new_surfaces",
                                   "--child", group, "--skip", str(skip)], cwd=ROOT,
                                  capture_output=True, text=True, timeout=GROUP_TIMEOUT,
                                  env=dict(os.environ, PYTHONPATH=ROOT))
            stdout, stderr, status, what = proc.stdout, proc.stderr, proc.returncode, "crash"
        except subprocess.TimeoutExpired as err:     # a kernel SIGALRM could not interrupt
            stdout, stderr, status, what = _text(err.stdout), _text(err.stderr), -1, "hang"
        last_start, ended = None, False
        for line in stdout.splitlines():
            if not line.startswith("{"):
                continue
            rec = json.loads(line)
            if "start" in rec:
                last_start = rec
            elif "done" in rec:
                last_start = None
                if rec["kind"]:
                    findings.append(dict(rec, group=group))
                elif verbose:
                    print("   ok %-40s %s %s" % (rec["case"], rec["error"], rec["detail"][:150]))
            elif "end" in rec:
                ended, total = True, rec["cases"]
        if ended:
            return findings, total
        if last_start is None:
            findings.append({"group": group, "case": "<group setup>", "kind": what,
                             "detail": (stdout + stderr)[-1500:]})
            return findings, total
        findings.append({"group": group, "case": last_start["case"], "kind": what,
                         "detail": "exit %d: %s" % (status, stderr[-800:])})
        skip = last_start["start"] + 1


def _text(data):
    if data is None:
        return ""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def main(argv):
    if argv[:1] == ["--child"]:
        skip = int(argv[argv.index("--skip") + 1]) if "--skip" in argv else 0
        child(argv[1], skip)
        return 0
    verbose = "-v" in argv
    argv = [a for a in argv if a != "-v"]
    groups = argv or sorted(_groups())
    problems = 0
    for group in groups:
        findings, total = run_group(group, verbose)
        problems += len(findings)
        for f in findings:
            print(json.dumps(f))
        print("# %-22s %s cases, %d findings" % (group, total, len(findings)), flush=True)
    print(json.dumps({"done": True, "groups": len(groups), "problems": problems}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
