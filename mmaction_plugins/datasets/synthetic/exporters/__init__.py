"""Exporters: the generated videos in the official AVA, MultiSports, COCO and Kinetics-TPS layouts.

Each exporter collects :class:`~.common.VideoRecord` objects with ``add`` and writes its files
under the output root with ``write``; frames and videos are written while rendering
(:mod:`.frames`).
"""

from mmaction_plugins.datasets.synthetic.exporters.ava import AVAExporter
from mmaction_plugins.datasets.synthetic.exporters.coco import COCOExporter
from mmaction_plugins.datasets.synthetic.exporters.common import TIMESTAMP_START, VideoRecord
from mmaction_plugins.datasets.synthetic.exporters.frames import FrameDirWriter, Mp4Writer
from mmaction_plugins.datasets.synthetic.exporters.multisports import MultiSportsExporter
from mmaction_plugins.datasets.synthetic.exporters.tps import TPSExporter

__all__ = ['AVAExporter', 'COCOExporter', 'MultiSportsExporter', 'TPSExporter', 'VideoRecord',
           'TIMESTAMP_START', 'FrameDirWriter', 'Mp4Writer']
