"""The README's examples train to real accuracy on the bundled digits."""
import importlib.util
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "examples", name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_digits_symbolic_trains_and_prints_the_compiled_graph(capsys):
    acc = _load("digits_symbolic").main(epochs=10)
    out = capsys.readouterr().out
    assert acc >= 0.95
    assert "forward:" in out and "backward:" in out and "arena" in out


@pytest.mark.slow
def test_quickstart_autograd_mlp_trains():
    assert _load("quickstart").main(epochs=10) >= 0.93


@pytest.mark.slow
def test_train_digits_hybridized_lenet_exports_and_reloads(tmp_path, capsys):
    acc, same = _load("train_digits").main(epochs=8, out_dir=str(tmp_path))
    out = capsys.readouterr().out
    assert acc >= 0.97 and same
    assert "backward:" in out and "arena" in out
    assert (tmp_path / "lenet-symbol.json").exists() and (tmp_path / "lenet-0008.params").exists()


@pytest.mark.slow
def test_symbolic_mlp_module_fit_and_reload(tmp_path):
    acc, reloaded = _load("symbolic_mlp").main(epochs=10, out_dir=str(tmp_path))
    assert acc >= 0.93 and reloaded == acc
