"""Evaluation: the official AVA, MultiSports and Kinetics-TPS scorers, vectorised, and their
mmengine metrics (``OfficialAVAMetric``, ``OfficialMultiSportsMetric``, ``KineticsTPSMetric``,
registered in ``mmaction.registry.METRICS``).

Command line: ``python -m mmaction_plugins.evaluation {ava,multisports,tps} --help``.
"""

from mmaction_plugins.evaluation.ava import AVA_GROUPS, AVAResult, evaluate_ava
from mmaction_plugins.evaluation.ava_metric import OfficialAVAMetric
from mmaction_plugins.evaluation.kinetics_tps import TPSResult, evaluate_tps, evaluate_tps_files
from mmaction_plugins.evaluation.label_map import read_label_map
from mmaction_plugins.evaluation.multisports import (
                                                     frame_ap_per_class,
                                                     frame_map,
                                                     multisports_summary,
                                                     video_ap_per_class,
                                                     video_map,
                                                     video_map_thresholds,
)
from mmaction_plugins.evaluation.multisports_error import video_ap_error
from mmaction_plugins.evaluation.multisports_gt import (
                                                     load_frame_dets,
                                                     load_multisports_gt,
                                                     load_video_dets,
)
from mmaction_plugins.evaluation.multisports_metric import OfficialMultiSportsMetric
from mmaction_plugins.evaluation.multisports_subsample import (
    kept_frames,
    subsample_multisports_gt,
)
from mmaction_plugins.evaluation.tps_category_metric import TPSCategoryMetric
from mmaction_plugins.evaluation.tps_metric import KineticsTPSMetric
from mmaction_plugins.evaluation.tps_part_state_metric import TPSPartStateMetric
from mmaction_plugins.evaluation.tube_linking import link_tubes

__all__ = [
    'kept_frames', 'subsample_multisports_gt', 'TPSCategoryMetric', 'TPSPartStateMetric',
    'AVA_GROUPS', 'AVAResult', 'KineticsTPSMetric', 'OfficialAVAMetric',
    'OfficialMultiSportsMetric', 'TPSResult', 'evaluate_ava', 'evaluate_tps',
    'evaluate_tps_files', 'frame_ap_per_class', 'frame_map', 'link_tubes', 'load_frame_dets',
    'load_multisports_gt', 'load_video_dets', 'multisports_summary', 'read_label_map',
    'video_ap_error', 'video_ap_per_class', 'video_map', 'video_map_thresholds',
]
