"""Datasets, proposal files and data utilities."""

from mmaction_plugins.datasets.proposals import load_proposals, validate_proposals
from mmaction_plugins.datasets.stad_dataset import STADDataset

__all__ = ['STADDataset', 'load_proposals', 'validate_proposals']
