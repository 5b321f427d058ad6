"""Data transforms, registered in ``mmaction.registry.TRANSFORMS`` where they are defined."""

from mmaction_plugins.datasets.transforms.arm_proposals import ArmProposals
from mmaction_plugins.datasets.transforms.bbox_jitter import BoxJitter
from mmaction_plugins.datasets.transforms.label_subset import LabelSubset
from mmaction_plugins.datasets.transforms.pack_part_state_inputs import PackPartStateInputs
from mmaction_plugins.datasets.transforms.part_crop import PartRandomCrop, PersonPartCrop
from mmaction_plugins.datasets.transforms.part_flip import PartFlip

__all__ = ['ArmProposals', 'BoxJitter', 'LabelSubset', 'PackPartStateInputs', 'PartFlip',
           'PartRandomCrop', 'PersonPartCrop']
