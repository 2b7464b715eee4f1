"""Run an implementation under test in a worker process that the gate can time out and kill.

A hang cannot be interrupted from inside the process that hangs, and ``os._exit`` or a
segmentation fault takes that process down with it. So ``neuron verify`` loads a user's target
in a separate Python process (a fresh interpreter started with ``subprocess``, so that no
module of the caller is imported again, as multiprocessing's spawn would) and sends it each
call through a pair of pipes: the arguments and the float64 answer are pickled NumPy arrays
(``multiprocessing.connection`` framing), so a batch of 10^5 points costs one round trip.
Each request has a deadline (``--timeout``); a worker that misses it is killed, and the next
call starts a new one. The pipes reach the worker as inherited file descriptors, which needs a
POSIX system (Linux, macOS).

The worker's stdout and stderr are a temporary file, so whatever the target prints cannot
interleave with the report; the gate counts those bytes and notes them.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import weakref
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Final

import numpy as np

from neuron.gate.protocol import (
    BUILTINS,
    ContractError,
    ElementError,
    Implementation,
    ImplementationError,
    TargetError,
    describe_exception,
    load,
)
from neuron.numerics.types import FloatArray

__all__ = ["DEFAULT_TIMEOUT", "IN_PROCESS", "IsolatedImplementation", "isolate", "open_target"]

#: Seconds one request may take: one call, or one chunk of `ELEMENTWISE_CHUNK` scalar calls.
DEFAULT_TIMEOUT: Final = 10.0
#: Seconds the worker may take to start and import the target (at least the request deadline).
IMPORT_TIMEOUT: Final = 60.0
#: Scalar calls per request when a function cannot take arrays.
ELEMENTWISE_CHUNK: Final = 256
#: Built-in targets, run in the gate's own process: the package's own code (the adapters too).
IN_PROCESS: Final = frozenset(BUILTINS)
#: After this many hangs or crashes in one function, it is not called again in this run: each
#: costs a deadline and a new worker, and the run must finish in bounded time.
MAX_FATAL: Final = 2


def _send(connection: Connection, message: Any) -> None:
    """Pickle to bytes of our own: Connection.send pickles into a BytesIO and sends a view of
    it, which a traceback (a worker that died mid-send) can keep alive in a reference cycle;
    the garbage collector then cannot free the BytesIO (BufferError, on Python 3.13)."""
    connection.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def _receive(connection: Connection) -> Any:
    """Unpickle from bytes of our own, not from a view of Connection's read buffer (as recv)."""
    return pickle.loads(connection.recv_bytes())


def _exit_description(code: int | None) -> str:
    if code is None:
        return "stopped answering"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with status {code}"


def _printed() -> int:
    """Bytes in the capture file so far (stdout and stderr are both that file)."""
    sys.stdout.flush()
    sys.stderr.flush()
    return os.fstat(1).st_size


def _answer(impl: Implementation, request: tuple[str, str, tuple[Any, ...]]) -> tuple[Any, ...]:
    kind, function, args = request
    try:
        value = impl(function, *args) if kind == "call" else impl.elementwise(function, *args)
    except ElementError as error:
        return ("element", (error.index, str(error)), _printed())
    except ContractError as error:
        return ("contract", str(error), _printed())
    except BaseException as error:  # whatever the implementation raises is reported
        return ("raised", describe_exception(error), _printed())
    return ("ok", value, _printed())


def serve(target: str, requests: int, replies: int) -> None:
    """The worker's main loop: load `target`, then answer requests until told to stop.

    `requests` and `replies` are the file descriptors of the two pipes to the gate; the
    worker's stdout and stderr are already the capture file.
    """
    inbox = Connection(requests, writable=False)
    outbox = Connection(replies, readable=False)
    try:
        impl = load(target)
    except TargetError as error:
        outbox.send(("error", str(error)))
        return
    outbox.send(("ready", sorted(impl.functions)))
    while True:
        try:
            request = inbox.recv()
        except EOFError:  # the gate closed its end: done
            return
        outbox.send(_answer(impl, request))


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


_WORKER_CODE: Final = (
    "import sys; from neuron.gate.isolation import serve; "
    "serve(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))"
)


class _Worker:
    """One worker process at a time for a target, restarted after a hang or a crash."""

    def __init__(self, target: str, timeout: float) -> None:
        self.target = target
        self.timeout = timeout
        handle, self.output = tempfile.mkstemp(prefix="neuron-worker-", suffix=".out")
        os.close(handle)
        weakref.finalize(self, _remove, self.output)
        self.process: subprocess.Popen[bytes] | None = None
        self.inbox: Connection | None = None  # answers from the worker
        self.outbox: Connection | None = None  # requests to the worker
        self.printed = 0
        self.starts = 0
        self.fatal: dict[str, list[str]] = {}

    def start(self) -> list[str]:
        """Start a worker and wait until it has imported the target."""
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        # the child imports the same copy of neuron as this process, installed or not
        package_parent = str(Path(__file__).resolve().parents[1])
        search_path = os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")]))
        with open(self.output, "ab") as capture:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-u",  # unbuffered: stdout and stderr reach the capture file in program order
                    "-c",
                    _WORKER_CODE,
                    self.target,
                    str(request_read),
                    str(reply_write),
                ],
                stdin=subprocess.DEVNULL,
                stdout=capture,
                stderr=capture,
                pass_fds=(request_read, reply_write),
                env={**os.environ, "PYTHONPATH": search_path},
            )
        os.close(request_read)
        os.close(reply_write)
        inbox = Connection(reply_read, writable=False)
        outbox = Connection(request_write, readable=False)
        self.starts += 1
        deadline = max(self.timeout, IMPORT_TIMEOUT)
        try:
            if not inbox.poll(deadline):
                raise TargetError(f"{self.target} did not finish importing within {deadline:g} s")
            try:
                kind, payload = _receive(inbox)
            except EOFError:
                code = process.wait()
                raise TargetError(
                    f"cannot import {self.target}: the worker process "
                    f"{_exit_description(code)} while importing it"
                ) from None
            if kind == "error":
                raise TargetError(payload)
        except TargetError:
            _end(process, inbox, outbox)
            raise
        self.process, self.inbox, self.outbox = process, inbox, outbox
        names: list[str] = payload
        return names

    def stop(self) -> None:
        """Close the worker's request pipe, which ends it; kill it if it lingers a second."""
        if self.process is not None:
            self._discard(grace=1.0)

    def _discard(self, grace: float) -> None:
        assert self.process is not None
        assert self.inbox is not None
        assert self.outbox is not None
        _end(self.process, self.inbox, self.outbox, grace)
        self.process = self.inbox = self.outbox = None

    def _fatal(self, function: str, message: str) -> ImplementationError:
        self.fatal.setdefault(function, []).append(message)
        error = ImplementationError(message)
        error.fatal = True
        return error

    def request(self, kind: str, function: str, args: tuple[Any, ...]) -> Any:
        """Send one request and wait for the answer, at most `timeout` seconds."""
        earlier = self.fatal.get(function, [])
        if len(earlier) >= MAX_FATAL:
            error = ImplementationError(
                f"{function} not called again after {len(earlier)} failures: {earlier[0]}"
            )
            error.fatal = True
            raise error
        if self.process is None:
            try:
                self.start()
            except TargetError as failure:
                raise self._fatal(function, f"the worker could not restart: {failure}") from None
        assert self.process is not None
        assert self.inbox is not None
        assert self.outbox is not None
        try:
            _send(self.outbox, (kind, function, args))
            reply = _receive(self.inbox) if self.inbox.poll(self.timeout) else None
        except (EOFError, OSError):  # the worker died: before, during or after the call
            try:
                code: int | None = self.process.wait(1.0)
            except subprocess.TimeoutExpired:
                code = None
            self._discard(grace=0.0)
            raise self._fatal(
                function, f"{function} did not answer: the worker process {_exit_description(code)}"
            ) from None
        if reply is None:  # hung: no grace
            self._discard(grace=0.0)
            raise self._fatal(
                function,
                f"{function} did not return within {self.timeout:g} s (--timeout); "
                "the worker was killed",
            )
        status, payload, self.printed = reply
        if status == "ok":
            return payload
        if status == "element":
            index, message = payload
            raise ElementError(index, message)
        if status == "contract":
            raise ContractError(payload)
        raise ImplementationError(payload)

    def first_printed_line(self) -> str:
        """The first line the target printed, for the report's note."""
        with open(self.output, encoding="utf-8", errors="replace") as stream:
            return stream.readline().rstrip("\n")


def _end(
    process: subprocess.Popen[bytes], inbox: Connection, outbox: Connection, grace: float = 1.0
) -> None:
    """Close our ends of a worker's pipes, give it `grace` seconds to exit, then kill it.

    A worker that is not hung exits at once when its request pipe closes, and so writes what
    it must on the way out (coverage data, when the tests measure it).
    """
    outbox.close()
    inbox.close()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(grace)
    if process.poll() is None:
        process.kill()
        process.wait()


@dataclass(frozen=True)
class IsolatedImplementation(Implementation):
    """An implementation whose functions run in a worker process (see the module docstring)."""

    worker: _Worker = field(repr=False, compare=False)

    def __call__(self, function: str, *args: Any) -> FloatArray:
        """Call a protocol function in the worker; `checked_call` runs there."""
        result: FloatArray = self.worker.request("call", function, args)
        return result

    def elementwise(self, function: str, *arrays: FloatArray) -> FloatArray:
        """Scalar calls in the worker, `ELEMENTWISE_CHUNK` per request."""
        columns = [np.ravel(c) for c in np.broadcast_arrays(*arrays)]
        out = np.empty(columns[0].size)
        for start in range(0, out.size, ELEMENTWISE_CHUNK):
            part = slice(start, start + ELEMENTWISE_CHUNK)
            try:
                out[part] = self.worker.request("map", function, tuple(c[part] for c in columns))
            except ElementError as error:
                raise ElementError(start + error.index, str(error)) from None
            except ImplementationError as error:
                raise ElementError(start, str(error), fatal=error.fatal) from None
        return out.reshape(np.broadcast_shapes(*(np.shape(a) for a in arrays)))

    @property
    def timeout(self) -> float:
        """Seconds one request may take."""
        return self.worker.timeout

    @property
    def printed(self) -> int:
        """Bytes the target has written to stdout and stderr so far."""
        return self.worker.printed

    def first_printed_line(self) -> str:
        return self.worker.first_printed_line()

    def close(self) -> None:
        """Stop the worker process."""
        self.worker.stop()


def isolate(target: str, timeout: float = DEFAULT_TIMEOUT) -> IsolatedImplementation:
    """Load `target` in a worker process and return it as an implementation.

    Raises
    ------
    TargetError
        If the target cannot be loaded (as ``protocol.load`` says), or its import does not
        finish within max(timeout, IMPORT_TIMEOUT) seconds, or kills the worker.
    ValueError
        If `timeout` is not a positive number of seconds.
    """
    _check_timeout(timeout)
    worker = _Worker(target, timeout)
    names = worker.start()
    impl = IsolatedImplementation(target, {}, worker)
    impl.functions.update({name: functools.partial(impl, name) for name in names})
    return impl


def _check_timeout(timeout: float) -> None:
    if not 0 < timeout < float("inf"):
        raise ValueError(f"--timeout must be a positive number of seconds, got {timeout!r}")


def open_target(target: str, timeout: float = DEFAULT_TIMEOUT) -> Implementation:
    """A built-in target (`IN_PROCESS`) loaded here; any other target in a worker process.

    Raises
    ------
    TargetError
        If the target cannot be used.
    ValueError
        If `timeout` is not a positive number of seconds.
    """
    _check_timeout(timeout)
    return load(target) if target in IN_PROCESS else isolate(target, timeout)
