"""Host memory checks: an allocation that cannot fit raises MXNetError instead of the
process being killed by the out-of-memory killer (Linux overcommits, so np.empty of a huge
size "succeeds" and the first write kills the process)."""
import os

from .errors import MXNetError

CHECK_ABOVE_BYTES = 1 << 28     # smaller requests are not checked (no syscall on hot paths)


def available_bytes():
    """Memory the system can still give (MemAvailable), or None when unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_fits(nbytes, what):
    """Raise MXNetError when `nbytes` (for `what`) exceed the available memory."""
    if nbytes <= CHECK_ABOVE_BYTES:
        return
    have = available_bytes()
    if have is not None and nbytes > have:
        raise MXNetError("%s needs %.1f GB but only %.1f GB of memory is available"
                         % (what, nbytes / 1e9, have / 1e9))
