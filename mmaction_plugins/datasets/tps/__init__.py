"""Kinetics-TPS (seed 002): annotations, the part-state dataset and the chain's data preparation.

Importing it registers :class:`TPSPartStateDataset` (mmaction ``DATASETS``).
"""

from mmaction_plugins.datasets.tps.annotations import (
    TPSFrame,
    TPSPerson,
    TPSVideo,
    TPSVocabulary,
    load_tps_categories,
    load_tps_split,
    load_tps_video,
    load_tps_vocabulary,
    parse_tps_frame_key,
    tps_frame_key,
    tps_frames,
)
from mmaction_plugins.datasets.tps.part_state_dataset import TPSPartStateDataset

__all__ = ['TPSFrame', 'TPSPerson', 'TPSPartStateDataset', 'TPSVideo', 'TPSVocabulary',
           'load_tps_categories', 'load_tps_split', 'load_tps_video', 'load_tps_vocabulary',
           'parse_tps_frame_key', 'tps_frame_key', 'tps_frames']
