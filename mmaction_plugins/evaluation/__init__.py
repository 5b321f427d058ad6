"""Evaluation: label maps (scorers and metrics land here)."""

from mmaction_plugins.evaluation.label_map import read_label_map

__all__ = ['read_label_map']
