"""Part-state network of seed 002 (Kinetics-TPS): part-token attention, the part-state head and
the recognizer, registered in mmaction's ``MODELS``."""

from mmaction_plugins.models.part_state.part_attention import PartTokenAttention
from mmaction_plugins.models.part_state.part_state_head import PartStateHead
from mmaction_plugins.models.part_state.part_state_recognizer import PartStateRecognizer

__all__ = ['PartStateHead', 'PartStateRecognizer', 'PartTokenAttention']
