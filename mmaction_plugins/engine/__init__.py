"""Training/testing plumbing: atomic checkpoint backend, the phase-2 freeze hook, the
channels-last memory-format hook and the command-line entry points."""

from mmaction_plugins.engine.atomic_backend import AtomicLocalBackend
from mmaction_plugins.engine.freeze_hook import FreezeExceptHook
from mmaction_plugins.engine.memory_format_hook import MemoryFormatHook

__all__ = ['AtomicLocalBackend', 'FreezeExceptHook', 'MemoryFormatHook']
