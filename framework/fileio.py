"""Atomic file writes: every checkpoint, symbol file and state file goes through here."""
import os

from .base import MXNetError


def atomic_write(fname, payload, what="file"):
    """Write bytes `payload` to `fname` through a temporary file in the same directory that
    then replaces `fname`, so a reader never sees a half-written file."""
    fname = os.fspath(fname)
    d = os.path.dirname(os.path.abspath(fname))
    base = os.path.basename(fname)
    tmp = fd = None
    for _ in range(100):
        cand = os.path.join(d, ".%s.%s.tmp" % (base, os.urandom(6).hex()))
        try:
            # 0o666 so the final file gets the usual umask-derived permissions
            fd = os.open(cand, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                         0o666)
        except FileExistsError:
            continue
        except OSError as e:
            raise MXNetError("cannot save %s %r: %s" % (what, fname, e)) from e
        tmp = cand
        break
    if tmp is None:
        raise MXNetError("cannot save %s %r: no temporary name available" % (what, fname))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, fname)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise MXNetError("cannot save %s %r: %s" % (what, fname, e)) from e
        raise
