"""Training/testing plumbing: atomic checkpoint backend and the command-line entry points."""

from mmaction_plugins.engine.atomic_backend import AtomicLocalBackend

__all__ = ['AtomicLocalBackend']
