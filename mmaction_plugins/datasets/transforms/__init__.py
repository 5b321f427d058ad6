"""Data transforms, registered in ``mmaction.registry.TRANSFORMS`` where they are defined."""

from mmaction_plugins.datasets.transforms.arm_proposals import ArmProposals
from mmaction_plugins.datasets.transforms.bbox_jitter import BoxJitter
from mmaction_plugins.datasets.transforms.label_subset import LabelSubset

__all__ = ['ArmProposals', 'BoxJitter', 'LabelSubset']
