"""Suite "memory": what a training step of LeNet and of ResNet-18 costs in memory.

For each library, a fresh subprocess (benchmarks/probe.py) builds the models suite's
training step (lenet_hybrid_step: Gluon LeNet, batch 64; resnet18_train: resnet18_v1,
batch 16, 3x32x32), runs it once, resets the peak-RSS mark, runs 3 more steps and reads
the peak (VmHWM).  Ours also reports the compiled plans' memory: the arena the memory
planner allocates against the naive sum of every intermediate (one buffer each).
A separate process per library keeps the numbers unpolluted (each has its own allocator,
libraries and compiled code).
"""
from ..workload import Probe
from .gluon_models import lenet_hybrid_step
from .resnet import resnet18_train

SUITE = "memory"

METRICS = [
    ("peak_rss_steps", "peak RSS during training steps", "bytes"),
    ("step_rss_increase", "  peak during steps - RSS before them", "bytes"),
    ("rss_before_steps", "RSS after the first step", "bytes"),
    ("rss_import", "RSS after importing the library", "bytes"),
    ("peak_rss_setup", "peak RSS of build + first step", "bytes"),
    ("arena_bytes", "compiled plans: planned arena", "bytes"),
    ("naive_bytes", "compiled plans: naive sum of intermediates", "bytes"),
    ("arena_vs_naive", "  arena / naive", "ratio"),
    ("private_bytes", "compiled plans: unplanned private buffers", "bytes"),
]


def memory_probe(name, target, desc):
    def measure(impl):
        def run(size, sizes, env):
            r = env.child({"workload": target.name, "impl": impl, "size": size, "memory": True,
                           "steps": 1 if env.quick else 3})
            values = {k: r.get(k) for k, _, _ in METRICS if r.get(k) is not None}
            if r.get("peak_rss_steps") and r.get("rss_before_steps"):
                values["step_rss_increase"] = r["peak_rss_steps"] - r["rss_before_steps"]
            if r.get("naive_bytes"):
                values["arena_vs_naive"] = r["arena_bytes"] / r["naive_bytes"]
            if not r.get("peak_reset"):
                env.note("%s/%s: the peak-RSS mark could not be reset (/proc/self/clear_refs): "
                         "peak_rss_steps includes the build" % (name, impl))
            return values
        return run

    return Probe(name, SUITE, desc, full=target.sizes["full"], quick=target.sizes["quick"],
                 impls={impl: measure(impl) for impl in ("ours", "torch", "mxnet")},
                 metrics=METRICS, primary="peak_rss_steps")


WORKLOADS = [
    memory_probe("memory_lenet", lenet_hybrid_step(), "Gluon LeNet training step, batch 64 "
                 "(lenet_hybrid_step): peak RSS per library in its own process; ours' planned "
                 "arena vs the naive sum of intermediates"),
    memory_probe("memory_resnet18", resnet18_train(), "resnet18_v1(classes=10) training step, batch "
                 "16, 3x32x32 (resnet18_train): peak RSS per library; planned arena vs naive"),
]
