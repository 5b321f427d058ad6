"""Outputs for people: annotated videos and per-class AP charts."""

from mmaction_plugins.visualization.annotated_video import draw_frame, write_annotated_video
from mmaction_plugins.visualization.ap_chart import plot_class_ap

__all__ = ['draw_frame', 'write_annotated_video', 'plot_class_ap']
