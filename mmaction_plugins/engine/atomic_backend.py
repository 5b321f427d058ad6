"""An mmengine file backend whose writes are atomic, for checkpoints and ``last_checkpoint``.

mmengine's ``LocalBackend.put`` opens the target and writes into it: a crash mid-write leaves a
truncated checkpoint that ``--resume`` then picks up. Select this backend in a config with
``default_hooks.checkpoint.backend_args = dict(backend='atomic_local')`` (our
``configs/_base_/default_runtime.py`` does).
"""

from __future__ import annotations

from pathlib import Path

from mmengine.fileio import register_backend
from mmengine.fileio.backends import LocalBackend

from mmaction_plugins.utils.atomic_io import atomic_write_bytes, atomic_write_text

__all__ = ['AtomicLocalBackend']


@register_backend('atomic_local')
class AtomicLocalBackend(LocalBackend):
    """:class:`~mmengine.fileio.backends.LocalBackend` with atomic ``put`` / ``put_text``."""

    def put(self, obj: bytes, filepath: str | Path) -> None:
        """Write bytes atomically (temp file in the same directory, then rename)."""
        atomic_write_bytes(filepath, obj)

    def put_text(self, obj: str, filepath: str | Path, encoding: str = 'utf-8') -> None:
        """Write text atomically."""
        atomic_write_text(filepath, obj, encoding=encoding)
