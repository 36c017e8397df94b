"""Record what REAL MXNet 1.9.1 does in the KVStore scenarios of kv_scenarios.py.

Runs ONLY in the side venv that has real MXNet (the project never imports mxnet)::

    /work/mxnet-venv/bin/python tests/kvstore/make_golden_kvstore.py

writes tests/kvstore/golden_kvstore.json: {"mxnet_version", "scenarios": {name: [[label,
result], ...]}} where a result is the values MXNet produced or {"error": class name}.
"""
import json
import os
import sys

import mxnet as mx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import kv_scenarios  # noqa: E402

assert mx.__version__ == "1.9.1", mx.__version__


def main():
    os.chdir(HERE)
    results, _ = kv_scenarios.run_all(mx)
    path = os.path.join(HERE, "golden_kvstore.json")
    with open(path + ".tmp", "w") as f:
        json.dump({"mxnet_version": mx.__version__, "scenarios": results}, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)
    print("wrote", path)


if __name__ == "__main__":
    main()
