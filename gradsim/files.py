"""Writing files so that a reader never sees half of one: a temporary file, then a rename.

The file written is what an ordinary write would have made: its mode follows the umask (or the
old file's mode), a symbolic link is written through to its target rather than replaced, and a
read-only file is refused (even for root). On any error (a full disk, a
read-only folder) the old file is left as it was and the error is raised.
"""
from __future__ import annotations

import errno
import os
import stat
import tempfile


def write_atomically(path: str, content: str | bytes) -> None:
    target = os.path.realpath(path)  # through a symbolic link, to the file it names
    if os.path.exists(target) and not (os.access(target, os.W_OK) and os.stat(target).st_mode & 0o222):
        raise PermissionError(errno.EACCES, "the file is read-only", path)  # even for root, who may write it
    mode = _mode_for(target)
    directory = os.path.dirname(target)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".gradsim-", suffix=".tmp")
    try:
        os.chmod(temporary, mode)
        if isinstance(content, bytes):
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
        else:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                stream.write(content)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _mode_for(target: str) -> int:
    """The old file's permissions, or those a new file gets under the umask (0666 & ~umask)."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
