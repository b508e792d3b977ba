"""Report kernels forked from a template process that has already imported the libraries.

A report notebook's kernel spends most of its first second starting Python and importing pandas,
matplotlib, scikit-learn, statsmodels, OR-Tools and segment_lib -- the same modules in every
kernel of a run.  :class:`Template` is one process (``python -m segment_lib.kernel_fork``) that
imports them once, while the runner loads the data, and then forks one child per kernel; the child
runs the ordinary IPython kernel (``ipykernel_launcher``) with the connection file the kernel
manager wrote.  So every kernel starts with the libraries already in memory (shared copy-on-write
with the template) and the notebooks run the same code on the same Python as in a fresh kernel.

:class:`ForkProvisioner` is the jupyter_client kernel provisioner that asks the template for a
kernel instead of starting a new process; papermill and nbclient drive the kernel as usual.

Safe to fork because the template only imports: it opens no ZeroMQ context, starts no Python
thread, and runs no OpenMP or BLAS work before forking.  Its only native threads are OpenBLAS's
pool and Arrow's jemalloc background thread, and both libraries handle fork (``pthread_atfork``).  Where a fork is not possible (no ``os.fork``, a kernel spec that does not run this
Python's ``ipykernel_launcher``, or the template failed to start) the runner starts kernels the
usual way.  ``SEGMENT_LIB_FORK_KERNELS=0`` turns forking off.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

#: what report kernels import (their first cell and what the views import when they build):
#: imported once in the template.  A module missing here is imported by the kernel itself, as usual.
PRELOAD = (
    "numpy", "pandas", "pyarrow", "scipy.stats", "scipy.spatial.distance",
    "matplotlib", "matplotlib.pyplot", "matplotlib_inline.backend_inline",
    "sklearn.cluster", "sklearn.metrics", "scipy.optimize", "scipy.sparse.csgraph", "threadpoolctl",
    "statsmodels.regression.linear_model", "statsmodels.stats.sandwich_covariance", "networkx", "gerrychain",
    "gerrychain.tree", "gerrychain.proposals", "gerrychain.optimization", "gerrychain.constraints", "shapely.geometry",
    "ortools.sat.python.cp_model", "ortools.graph.python.min_cost_flow",
    "IPython", "IPython.display", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger",
    "segment_lib.pipeline", "segment_lib.report", "segment_lib.export", "segment_lib.data", "statsmodels.base.covtype",
    "segment_lib.views.overview", "segment_lib.views.tiering", "segment_lib.views.regions",
    "segment_lib.views.rebalance", "segment_lib.plots.overview", "segment_lib.plots.tiering",
    "segment_lib.plots.regions", "segment_lib.plots.rebalance",
)
_LAUNCHER = ("-m", "ipykernel_launcher")


def enabled() -> bool:
    """Whether kernels may be forked here (POSIX with ``os.fork``, not turned off by the user)."""
    return hasattr(os, "fork") and os.environ.get("SEGMENT_LIB_FORK_KERNELS", "1").strip() not in {"0", "false", "no"}


def forkable(cmd: list[str]) -> bool:
    """Whether ``cmd`` (a kernel spec's command) runs this Python's ``ipykernel_launcher``: only then
    is a forked template child the same kernel."""
    return (len(cmd) >= 3 and tuple(cmd[1:3]) == _LAUNCHER
            and os.path.realpath(cmd[0]) == os.path.realpath(sys.executable))


# ------------------------------------------------------------------------------------------------
# The runner's side
# ------------------------------------------------------------------------------------------------

class Template:
    """The template process of one run: started at once, it imports :data:`PRELOAD` in the background;
    :meth:`fork` returns the pid of a new kernel.  ``env`` and ``cwd`` are the kernels' (the template
    starts with them, so module-level settings read at import are the kernels')."""

    def __init__(self, env: dict[str, str], cwd: str | os.PathLike):
        self._lock = threading.Lock()
        self._ready: bool | None = None
        self._closed = False
        self._proc = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, env=env, cwd=str(cwd), text=True, bufsize=1)

    def _wait_ready(self) -> bool:
        if self._ready is None:
            line = self._proc.stdout.readline() if self._proc.stdout else ""
            self._ready = line.strip() == "ready"
        return self._ready

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if self._closed or not self._wait_ready():
                raise RuntimeError("the kernel template is closed" if self._closed else
                                   "the kernel template did not start")
            try:
                self._proc.stdin.write(json.dumps(request) + "\n")
                self._proc.stdin.flush()
                return json.loads(self._proc.stdout.readline() or "{}")
            except (OSError, ValueError) as exc:
                self._ready = False
                raise RuntimeError(f"the kernel template stopped: {exc}") from exc

    def fork(self, cmd: list[str], env: dict[str, str], cwd: str | os.PathLike) -> int:
        """A kernel running ``cmd``'s arguments with ``env`` in ``cwd``; its pid.  RuntimeError when
        the template cannot fork (the caller then starts the kernel the usual way)."""
        reply = self._ask({"op": "fork", "argv": cmd[3:], "env": dict(env), "cwd": str(cwd)})
        if "pid" not in reply:
            raise RuntimeError(f"the kernel template could not fork: {reply.get('error', 'no answer')}")
        return int(reply["pid"])

    def preload(self, context_path: str | os.PathLike) -> None:
        """Read the run's saved context in the template, so the kernels forked after this have it in
        memory (:func:`segment_lib.pipeline.preload_context`) instead of each reading the file.
        RuntimeError when it could not (the kernels then read the file themselves)."""
        reply = self._ask({"op": "preload", "path": str(context_path)})
        if not reply.get("ok"):
            raise RuntimeError(f"the kernel template could not read the context: {reply.get('error', 'no answer')}")

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Stop the template (kernels already forked keep running until they are shut down).  A fork
        still waiting for the template fails (RuntimeError)."""
        self._closed = True
        try:
            if self._proc.stdin:
                self._proc.stdin.close()  # the template exits at the end of its input
        except (OSError, ValueError):
            pass
        if not self._ready:  # still importing (a run that stopped early): no need to wait for it
            self._proc.kill()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - the template exits on end of input
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout:
            self._proc.stdout.close()


class _Forked:
    """The ``subprocess.Popen`` calls jupyter_client makes on a kernel, for a kernel forked by the
    template (a child of the template, not of this process: it is watched by pid)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid, self.returncode = pid, None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:  # exited (the template reaps its children as they exit)
                self.returncode = 0
            except PermissionError:  # pragma: no cover - pid reused by another user's process
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        end = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout)
            time.sleep(0.01)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def provisioner_class():
    """:class:`ForkProvisioner` (defined on first use: jupyter_client is imported only by runs)."""
    global ForkProvisioner
    if "ForkProvisioner" in globals():
        return ForkProvisioner
    from jupyter_client.provisioning import LocalProvisioner

    class ForkProvisioner(LocalProvisioner):  # noqa: D401 - see the module docstring
        """LocalProvisioner whose kernels are forked by a :class:`Template`; everything else
        (connection file, ports, shutdown, signals to the process group) is LocalProvisioner's."""

        template: Template | None = None

        async def launch_kernel(self, cmd: list[str], **kwargs: Any):
            if self.template is None or not forkable(cmd):
                return await super().launch_kernel(cmd, **kwargs)
            cwd = kwargs.get("cwd") or os.getcwd()
            try:
                pid = self.template.fork(cmd, kwargs.get("env") or dict(os.environ), cwd)
            except RuntimeError:
                if self.template.closed:  # the run is over: no kernel wanted
                    raise
                return await super().launch_kernel(cmd, **kwargs)
            self.process = _Forked(pid)
            self.pid = self.pgid = pid  # the child starts a session of its own, as launch_kernel does
            self.cwd = cwd
            return self.connection_info

        async def wait(self) -> int | None:
            if isinstance(self.process, _Forked):  # poll often: a kernel exits within milliseconds
                ret = self.process.wait()
                self.process = None
                return ret
            return await super().wait()

    return ForkProvisioner


def client_class():
    """:class:`ReadyClient`: jupyter_client's blocking client whose ``wait_for_ready`` returns as soon
    as the kernel has answered, instead of then waiting 0.2 s for IOPub to stay quiet.  (Those
    quiet 0.2 s are a fixed cost of every notebook papermill runs; nbclient reads IOPub by request
    id, so the kernel's own "busy/idle" messages for the handshake are skipped either way.)"""
    global ReadyClient
    if "ReadyClient" in globals():
        return ReadyClient
    from queue import Empty

    from jupyter_client.blocking.client import BlockingKernelClient
    from jupyter_core.utils import run_sync

    class ReadyClient(BlockingKernelClient):  # noqa: D401 - see client_class
        async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.time() + (float("inf") if timeout is None else timeout)
            while True:  # kernel_info until it answers and IOPub is connected (as jupyter_client)
                self.kernel_info()
                try:
                    msg = await self._async_get_shell_msg(timeout=1)
                except Empty:
                    msg = None
                if msg is not None and msg["msg_type"] == "kernel_info_reply":
                    try:
                        await self._async_get_iopub_msg(timeout=0.2)
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(msg)
                        break
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.time() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")
            while True:  # what IOPub already holds, without waiting for more
                try:
                    await self._async_get_iopub_msg(timeout=0)
                except Empty:
                    break

        wait_for_ready = run_sync(_async_wait_for_ready)

    return ReadyClient


def kernel_manager(kernel_name: str, template: Template | None) -> Any:
    """A jupyter_client KernelManager for ``kernel_name`` whose kernel is forked by ``template``
    (an ordinary one when ``template`` is None), with the :func:`client_class` client."""
    import uuid

    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name=kernel_name)
    km.client_factory = client_class()
    if template is not None:
        km.kernel_id = str(uuid.uuid4())
        prov = provisioner_class()(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)
        prov.template = template
        km.provisioner = prov
    return km


# ------------------------------------------------------------------------------------------------
# The template process
# ------------------------------------------------------------------------------------------------

def _preload() -> None:
    # as ipykernel does at start: the inline backend unless the user chose one (read when
    # matplotlib is imported, so it is set before)
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    # debugpy (imported with ipykernel's debugger) checks the interpreter's frozen modules on import and
    # prints a warning a kernel never shows (its output is not the terminal's); the check is all it skips
    quiet = "PYDEVD_DISABLE_FILE_VALIDATION" not in os.environ
    if quiet:
        os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - an optional library: the kernel reports it if a notebook needs it
            pass
    if quiet:
        del os.environ["PYDEVD_DISABLE_FILE_VALIDATION"]


def _child(req: dict[str, Any]) -> None:
    """In the forked child: become the kernel ``ipykernel_launcher`` would start.  Never returns."""
    code = 1
    try:
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the kernel waits for its own subprocesses
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a new Python (the kernel sets its own)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(2, 1)  # the protocol pipe is not the kernel's: its stray output goes where its errors go
        os.close(devnull)
        os.environ.clear()
        os.environ.update(req["env"])
        # as jupyter_client's launcher does: the kernel exits when its parent (the template, which
        # exits when the runner does) is gone.  ipykernel read JPY_PARENT_PID when the template
        # imported it, so the kernel is also told on its command line.
        os.environ["JPY_PARENT_PID"] = str(os.getppid())
        os.chdir(req["cwd"])
        if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
            del sys.path[0]  # as ipykernel_launcher (put back by the kernel's init_path)
        sys.argv = ["ipykernel_launcher", *req["argv"], f"--IPKernelApp.parent_handle={os.getppid()}"]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - reported on stderr, like a kernel that fails to start
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _answer(line: str) -> dict[str, Any]:
    """One request of the runner: ``fork`` a kernel (-> its pid) or ``preload`` the run's context."""
    try:
        req = json.loads(line)
    except ValueError:
        return {"error": "bad request"}
    if req.get("op") == "preload":
        try:
            from segment_lib import pipeline

            pipeline.preload_context(req["path"])
        except Exception as exc:  # noqa: BLE001 - the kernels read the file themselves
            return {"error": f"{type(exc).__name__}: {exc}"}
        return {"ok": True}
    # everything the template holds (libraries, the context) is moved out of the collector's reach:
    # a kernel's garbage collections then neither walk it nor, by touching it, copy its pages
    # (the fork is copy-on-write; Python docs of gc.freeze)
    gc.freeze()
    try:
        pid = os.fork()
    except OSError as exc:
        return {"error": str(exc)}
    if pid == 0:
        _child(req)
    return {"pid": pid}


def _reap(_signum: int, _frame: Any) -> None:
    """Collect every kernel that has exited: no zombie looks alive to the runner's ``os.kill(pid, 0)``,
    and the kernels' CPU time counts in the template's (so in the run's) resource usage."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def serve() -> None:
    """The template process: import, say ``ready``, then fork one kernel per request line."""
    import warnings

    # Python 3.12+ warns about fork() in a process with threads.  The template's only threads are
    # OpenBLAS's pool and Arrow's jemalloc background thread, both libraries handle fork themselves
    # (pthread_atfork); the template runs no Python thread.
    warnings.filterwarnings("ignore", message=r".*fork\(\) may lead to deadlocks", category=DeprecationWarning)
    signal.signal(signal.SIGCHLD, _reap)  # kernels are reaped as they exit (the runner watches them by pid)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in the terminal stops the runner, which closes us
    _preload()
    out = sys.stdout
    out.write("ready\n")
    out.flush()
    for line in sys.stdin:
        out.write(json.dumps(_answer(line)) + "\n")
        out.flush()
    os._exit(0)  # end of input: the run is over (no interpreter teardown of every imported library)


if __name__ == "__main__":
    serve()
