"""framework.tools.launch: the mpiexec command line and the ranks' environment."""
import sys

import pytest

from framework.tools import launch


def test_command_for_a_script_runs_it_under_mpi4py():
    args = launch.parse_args(["-n", "4", "train.py", "--epochs", "2"])
    cmd = launch.build_command(args, "/x/bin/mpiexec")
    assert cmd == ["/x/bin/mpiexec", "-n", "4", sys.executable, "-m", "mpi4py", "train.py",
                   "--epochs", "2"]


def test_command_given_with_python_and_a_hostfile():
    args = launch.parse_args(["-n", "2", "-H", "hosts.txt", "--launcher", "mpi",
                              "python3", "train.py", "-b", "64"])
    cmd = launch.build_command(args, "mpiexec")
    assert cmd == ["mpiexec", "-n", "2", "-f", "hosts.txt", "python3", "-m", "mpi4py",
                   "train.py", "-b", "64"]


def test_worker_env_shares_the_cores(monkeypatch):
    monkeypatch.setattr(launch.os, "cpu_count", lambda: 16)
    env = launch.worker_env(4, base={"PATH": "/bin", "OMP_NUM_THREADS": "3"})
    assert env["NUMBA_NUM_THREADS"] == "4" and env["OPENBLAS_NUM_THREADS"] == "4"
    assert env["OMP_NUM_THREADS"] == "3"                # a value the user set is kept
    assert env["MXNET_LAUNCHER_NUM_WORKERS"] == "4"


def test_bad_arguments_exit_with_usage():
    with pytest.raises(SystemExit):
        launch.parse_args(["-n", "2"])
    with pytest.raises(SystemExit):
        launch.parse_args(["-n", "2", "--launcher", "ssh", "train.py"])


def test_find_mpiexec_prefers_the_environment(monkeypatch):
    monkeypatch.setenv("MXNET_MPIEXEC", "/opt/mpi/bin/mpiexec")
    assert launch.find_mpiexec() == "/opt/mpi/bin/mpiexec"
