"""Training/testing plumbing: atomic checkpoint backend, the phase-2 freeze hook and the
command-line entry points."""

from mmaction_plugins.engine.atomic_backend import AtomicLocalBackend
from mmaction_plugins.engine.freeze_hook import FreezeExceptHook

__all__ = ['AtomicLocalBackend', 'FreezeExceptHook']
