"""Inference on frames in memory: STAD predictions, person tracks, whole videos."""

from mmaction_plugins.apis.multisports_inference import frame_detections, predict_multisports
from mmaction_plugins.apis.stad_inference import clip_pipeline, init_stad_model, predict_keyframes
from mmaction_plugins.apis.tracking import assign_track_ids
from mmaction_plugins.apis.video_demo import detect_and_classify, read_video_rgb

__all__ = ['frame_detections', 'predict_multisports', 'clip_pipeline', 'init_stad_model',
           'predict_keyframes', 'assign_track_ids',
           'detect_and_classify', 'read_video_rgb']
