"""Restricted unpickling for third-party annotation and proposal pickles.

``pickle.load`` executes whatever a file asks for. The AVA / MultiSports ecosystem distributes
proposals and ground truth as pickles, so every pickle this project reads from outside goes through
:func:`safe_load_pickle`, which only rebuilds builtins containers/scalars and numpy arrays, dtypes
and scalars. Anything else (``os.system``, ``torch`` storages, arbitrary classes) raises
:class:`UnsafePickleError` naming the file and the refused global.
"""

from __future__ import annotations

import _compat_pickle
import io
import os
import pickle
from typing import Any

__all__ = ['UnsafePickleError', 'SAFE_PICKLE_GLOBALS', 'safe_load_pickle', 'safe_loads_pickle']

# (module, name) pairs a data pickle may reference. numpy moved `core` to `_core` in numpy 2;
# pickles written by numpy 2 name the new module, so both spellings are accepted.
SAFE_PICKLE_GLOBALS: frozenset[tuple[str, str]] = frozenset({
    ('builtins', 'dict'), ('builtins', 'list'), ('builtins', 'tuple'), ('builtins', 'set'),
    ('builtins', 'frozenset'), ('builtins', 'int'), ('builtins', 'float'), ('builtins', 'str'),
    ('builtins', 'bytes'), ('builtins', 'bool'), ('builtins', 'complex'), ('builtins', 'slice'),
    ('builtins', 'range'), ('collections', 'OrderedDict'), ('collections', 'defaultdict'),
    ('_codecs', 'encode'),
    ('numpy', 'ndarray'), ('numpy', 'dtype'),
    ('numpy.core.multiarray', '_reconstruct'), ('numpy.core.multiarray', 'scalar'),
    ('numpy._core.multiarray', '_reconstruct'), ('numpy._core.multiarray', 'scalar'),
    # protocol 5 arrays
    ('numpy.core.numeric', '_frombuffer'), ('numpy._core.numeric', '_frombuffer'),
})


class UnsafePickleError(pickle.UnpicklingError):
    """A pickle referenced a global outside :data:`SAFE_PICKLE_GLOBALS`."""


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file: io.BufferedIOBase, source: str) -> None:
        super().__init__(file)
        self._source = source

    def find_class(self, module: str, name: str) -> Any:
        # protocol 0-2 pickles use Python 2 names (__builtin__.set, ...): map them as
        # pickle's fix_imports does.
        if (module, name) in _compat_pickle.NAME_MAPPING:
            module, name = _compat_pickle.NAME_MAPPING[(module, name)]
        module = _compat_pickle.IMPORT_MAPPING.get(module, module)
        if (module, name) in SAFE_PICKLE_GLOBALS:
            if module.startswith('numpy._core'):
                module = module.replace('numpy._core', 'numpy.core', 1)
            return super().find_class(module, name)
        if module == 'numpy.dtypes' and name.endswith('DType'):
            return super().find_class(module, name)
        raise UnsafePickleError(
            f'{self._source}: refusing to unpickle global {module}.{name}; only builtins and '
            'numpy arrays/scalars are allowed. Convert the file to .npz/.json or check its origin.')


def safe_loads_pickle(data: bytes, source: str = '<bytes>') -> Any:
    """Unpickle ``data`` allowing only builtins and numpy data types.

    Args:
        data: The pickle bytes.
        source: A name for error messages (usually the file path).

    Raises:
        UnsafePickleError: the pickle references a non allow-listed global.
        ValueError: the data is empty or not a valid pickle.
    """
    if not data:
        raise ValueError(f'{source}: empty file, expected a pickle')
    try:
        return _RestrictedUnpickler(io.BytesIO(data), source).load()
    except UnsafePickleError:
        raise
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError) as e:
        raise ValueError(f'{source}: not a readable pickle ({type(e).__name__}: {e})') from e


def safe_load_pickle(path: str | os.PathLike[str]) -> Any:
    """Read a pickle file with :func:`safe_loads_pickle`; errors name the file."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: no such file')
    with open(path, 'rb') as f:
        return safe_loads_pickle(f.read(), source=path)
