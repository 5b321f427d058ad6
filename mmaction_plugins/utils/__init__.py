"""Small utilities shared by the package: safe unpickling and atomic writes."""

from mmaction_plugins.utils.atomic_io import (
           atomic_write_bytes,
           atomic_write_json,
           atomic_write_text,
)
from mmaction_plugins.utils.safe_pickle import (
           UnsafePickleError,
           safe_load_pickle,
           safe_loads_pickle,
)

__all__ = ['UnsafePickleError', 'atomic_write_bytes', 'atomic_write_json', 'atomic_write_text',
           'safe_load_pickle', 'safe_loads_pickle']
