"""Inference on frames in memory: STAD predictions, person tracks."""

from mmaction_plugins.apis.stad_inference import clip_pipeline, init_stad_model, predict_keyframes
from mmaction_plugins.apis.tracking import assign_track_ids

__all__ = ['clip_pipeline', 'init_stad_model', 'predict_keyframes', 'assign_track_ids']
