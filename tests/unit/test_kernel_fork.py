"""Report kernels forked from the template process (segment_lib.kernel_fork).

The equivalence with fresh kernels is checked on whole reports elsewhere: ``small_run`` executes the
notebooks in forked kernels, and tests/notebooks/test_notebooks.py re-runs them with nbval in ordinary
kernels and compares every output, and checks the metrics snapshot.
"""

from __future__ import annotations

import os
import sys
import time

import pytest

from segment_lib import kernel_fork

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="forking kernels needs os.fork")


def _run(km, code: str) -> str:
    kc = km.client()
    assert isinstance(kc, kernel_fork.client_class())  # ready without the 0.2 s of IOPub quiet
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        out: list[str] = []
        kc.execute_interactive(code, timeout=60,
                               output_hook=lambda m: out.append(m["content"].get("text", ""))
                               if m["msg_type"] == "stream" else None)
        return "".join(out)
    finally:
        kc.stop_channels()


def _saved(path, value):
    import pickle

    from segment_lib import pipeline

    path.write_bytes(pickle.dumps({"format": pipeline._FORMAT, "context": value}))
    return path


def test_preloaded_context_is_read_once_and_again_when_the_file_changes(tmp_path, monkeypatch):
    from segment_lib import pipeline

    monkeypatch.setattr(pipeline, "_PRELOADED", {})
    path = _saved(tmp_path / "context.pkl", {"run": 1})
    pipeline.preload_context(path)
    first = pipeline.load_context(path)
    assert first == {"run": 1} and pipeline.load_context(tmp_path) is first  # the folder works too
    time.sleep(0.01)
    _saved(path, {"run": 2, "longer": True})  # a new run wrote it: read again
    assert pipeline.load_context(path) == {"run": 2, "longer": True}


def test_forked_kernel_has_the_runs_environment_folder_and_libraries(tmp_path):
    env = dict(os.environ, SEGMENT_LIB_LANGUAGE="zh", PYTHONHASHSEED="0")
    template = kernel_fork.Template(env, tmp_path)
    ctx_file = _saved(tmp_path / "context.pkl", "the run's context")
    try:
        template.preload(ctx_file)  # read once in the template: every kernel forked after has it
        km = kernel_fork.kernel_manager("python3", template)
        km.start_kernel(cwd=str(tmp_path), env=env, extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
        proc = km.provisioner.process
        assert isinstance(proc, kernel_fork._Forked) and proc.pid != os.getpid()
        out = _run(km, "import os, sys\n"
                       "print(os.getcwd()); print(os.environ['SEGMENT_LIB_LANGUAGE'])\n"
                       "print('segment_lib.views.rebalance' in sys.modules, 'sklearn' in sys.modules)\n"
                       "print(os.getpgid(0) == os.getpid())\n"
                       "from segment_lib import pipeline\n"
                       f"print(len(pipeline._PRELOADED), pipeline.load_context({str(ctx_file)!r}))")
        assert out.split("\n")[:5] == [str(tmp_path), "zh", "True True", "True", "1 the run's context"]
        km.shutdown_kernel(now=False)
        assert proc.poll() is not None  # the kernel process has gone
    finally:
        template.close()
    assert template._proc.poll() is not None  # so has the template


def test_only_this_pythons_ipykernel_is_forked():
    assert kernel_fork.forkable([sys.executable, "-m", "ipykernel_launcher", "-f", "k.json"])
    assert not kernel_fork.forkable(["/opt/other/python3", "-m", "ipykernel_launcher", "-f", "k.json"])
    assert not kernel_fork.forkable(["R", "--slave", "-e", "IRkernel::main()", "--args", "k.json"])


def test_switch_and_a_template_closed_before_it_is_ready(tmp_path, monkeypatch):
    monkeypatch.setenv("SEGMENT_LIB_FORK_KERNELS", "0")
    assert not kernel_fork.enabled()
    monkeypatch.setenv("SEGMENT_LIB_FORK_KERNELS", "1")
    assert kernel_fork.enabled()
    template = kernel_fork.Template(dict(os.environ), tmp_path)
    t0 = time.perf_counter()
    template.close()  # a run that stopped early (e.g. a data error): no waiting for the imports
    assert time.perf_counter() - t0 < 2 and template.closed
    with pytest.raises(RuntimeError, match="closed"):
        template.fork([sys.executable, "-m", "ipykernel_launcher", "-f", "k.json"], dict(os.environ), tmp_path)


def test_forked_kernels_exit_with_the_template(tmp_path):
    """A run that dies (the template's input ends) leaves no kernel behind: each kernel watches its parent."""
    env = dict(os.environ, PYTHONHASHSEED="0")
    template = kernel_fork.Template(env, tmp_path)
    km = kernel_fork.kernel_manager("python3", template)
    km.start_kernel(cwd=str(tmp_path), env=env, extra_arguments=["--IPKernelApp.log_level=CRITICAL"])
    proc = km.provisioner.process
    _run(km, "1")  # the kernel is up
    template.close()  # without shutting the kernel down first
    deadline = time.monotonic() + 20
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert proc.poll() is not None
