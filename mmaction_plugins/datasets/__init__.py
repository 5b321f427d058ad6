"""Datasets, proposal files and data utilities."""

from mmaction_plugins.datasets import tps, transforms
from mmaction_plugins.datasets.class_balanced_sampler import ClassBalancedSampler
from mmaction_plugins.datasets.class_order_coco import ClassOrderCocoDataset
from mmaction_plugins.datasets.keypoint_stad_dataset import KeypointSTADDataset
from mmaction_plugins.datasets.proposals import load_proposals, validate_proposals
from mmaction_plugins.datasets.stad_dataset import STADDataset, STADKineticsDataset
from mmaction_plugins.datasets.state_balanced_sampler import StateBalancedSampler

__all__ = ['ClassBalancedSampler', 'ClassOrderCocoDataset', 'KeypointSTADDataset', 'STADDataset',
           'STADKineticsDataset', 'StateBalancedSampler', 'load_proposals', 'tps', 'transforms',
           'validate_proposals']
