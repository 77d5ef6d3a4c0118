"""The Overview's first-run results, kept on disk from one start of the server to the next.

A later start (``python app.py`` over a store it has served before) would spend about 1.5 s of its
first seconds recomputing what the last start computed: the Overview's frames, table, sentences, chart
and map. The warm-up thread (``pages.warm``) records those results in a file, and the next start over the
same store reads them back instead, when nothing they depend on has changed: the store's URL, its
revision, every batch (id, checksum, status), the code of ``app.py``, ``metrics/``, ``geodata/`` and
``pages/``, and the versions of Python and of the libraries whose objects are kept.

Streamlit's own ``persist="disk"`` was not used: its key is the arguments alone (a store's URL and
revision number can come back with other contents after the store is deleted and loaded again), and it
writes one file per call, which nothing removes.

The file lives in ``TERRITORY_CACHE_DIR`` (default: ``$XDG_CACHE_HOME/territory-dashboard``, else
``~/.cache/territory-dashboard``), one per store URL, readable by its owner only. It holds pickles, so it
is only ever read from the user's own cache folder, never from the store or an upload.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import platform
import threading
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, select

from metrics.tables import Batch, Revision

__all__ = ["cache_file", "fingerprint", "forget", "kept", "load", "recording", "remembered", "save"]

_log = logging.getLogger("territory")
_ROOT = Path(__file__).resolve().parent.parent
_CODE = ("app.py", "metrics", "geodata", "pages")
_LIBRARIES = ("streamlit", "pandas", "numpy", "pyarrow", "plotly", "sqlalchemy", "shapely")
_FORMAT = 1  # the file's own layout

F = TypeVar("F", bound=Callable[..., Any])

#: Results read from the file, by (function, arguments); each is handed out once.
_LOADED: dict[tuple[str, tuple[Any, ...]], Any] = {}
#: What the warm-up thread's calls returned, by (function, arguments), while it records.
_RECORDED: dict[tuple[str, tuple[Any, ...]], Any] = {}
_STATE = {"on": False}  # recording: from the warm-up's start to its end, in every thread
_LOCK = threading.Lock()
_MISSES = [0]  # recorded calls that computed their result (not found in the file)


def kept(func: F) -> F:
    """Under ``st.cache_data`` / ``st.cache_resource``: the call answers from the file read at start when it
    holds this call's result, and its result is recorded while the warm-up records (``recording``)."""
    name = f"{func.__module__}.{func.__qualname__}"

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return remembered((name, (*args, *sorted(kwargs.items()))), lambda: func(*args, **kwargs))

    return wrapper  # type: ignore[return-value]


def remembered(key: tuple[str, tuple[Any, ...]], make: Callable[[], Any]) -> Any:
    """The result kept under ``key`` if the file read at start holds it, else ``make()``; recorded while
    the warm-up records."""
    with _LOCK:
        found = key in _LOADED
        value = _LOADED.pop(key, None)
    if not found:
        value = make()
    if _STATE["on"]:  # a visitor's run during the warm-up records too: the file misses nothing it computed
        with _LOCK:
            _RECORDED[key] = value
            _MISSES[0] += not found
    return value


class recording:  # noqa: N801  (a context manager, named as the thing it does)
    """Within the block, the calls of ``kept`` functions (in any thread) are recorded for ``save``."""

    computed = 0  # how many of the recorded calls computed their result

    def __enter__(self) -> recording:
        _RECORDED.clear()
        _MISSES[0] = 0
        _STATE["on"] = True
        return self

    def __exit__(self, *_exc: object) -> None:
        _STATE["on"] = False
        self.computed = _MISSES[0]


def cache_file(url: str) -> Path:
    """Where the results for the store at ``url`` are kept."""
    folder = os.environ.get("TERRITORY_CACHE_DIR")
    if not folder:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folder = str(Path(base) / "territory-dashboard")
    return Path(folder) / f"overview-{hashlib.sha256(url.encode()).hexdigest()[:16]}.pickle"


def _code_digest() -> str:
    digest = hashlib.sha256()
    for part in _CODE:
        path = _ROOT / part
        if not path.exists():
            continue
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(str(file.relative_to(_ROOT)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def fingerprint(engine: Engine, url: str) -> str:
    """What the kept results depend on, as one hash: the store (URL, revision, batches), the code and the
    libraries. Any change gives another hash, and the file is not used."""
    digest = hashlib.sha256(f"{_FORMAT}|{url}|{platform.python_version()}".encode())
    for library in _LIBRARIES:
        digest.update(f"|{library}={metadata.version(library)}".encode())
    with engine.connect() as conn:
        digest.update(f"|revision={conn.scalar(select(Revision.revision).where(Revision.id == 1))}".encode())
        for row in conn.execute(select(Batch.id, Batch.sha256, Batch.status).order_by(Batch.id)):
            digest.update(f"|{row.id}:{row.sha256}:{row.status}".encode())
    digest.update(_code_digest().encode())
    return digest.hexdigest()


def load(path: Path, expected: str) -> int:
    """Read the results kept in ``path`` if they were made with the fingerprint ``expected``; returns how
    many were read (0: none, or a file made from another store state, code or library)."""
    try:
        with path.open("rb") as handle:
            made_with = pickle.load(handle)
            if made_with != expected:
                return 0
            results = pickle.load(handle)
    except FileNotFoundError:
        return 0
    except Exception as exc:  # a damaged or half-written file: compute, and write it again
        _log.warning("could not read the kept results in %s (%s); computing them", path, exc)
        return 0
    with _LOCK:
        _LOADED.clear()
        _LOADED.update(results)
    return len(results)


def save(path: Path, made_with: str) -> int:
    """Write what was recorded to ``path`` (replacing it in one step); returns how many results."""
    with _LOCK:
        results = dict(_RECORDED)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.part")
    with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
        pickle.dump(made_with, handle, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(results, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, path)
    return len(results)


def forget() -> None:
    """Drop what was read and not yet handed out, and what was recorded (after the warm-up)."""
    with _LOCK:
        _LOADED.clear()
    _RECORDED.clear()
