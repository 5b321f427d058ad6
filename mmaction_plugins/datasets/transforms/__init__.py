"""Data transforms, registered in ``mmaction.registry.TRANSFORMS`` where they are defined."""

from mmaction_plugins.datasets.transforms.bbox_jitter import BoxJitter

__all__ = ['BoxJitter']
