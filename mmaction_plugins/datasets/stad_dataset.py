"""AVA-format spatio-temporal action detection datasets with validated inputs and safe proposals:
:class:`STADDataset` (mmaction2's ``AVADataset``: AVA, MultiSports, the synthetic benchmark) and
:class:`STADKineticsDataset` (mmaction2's ``AVAKineticsDataset``: AVA-Kinetics, whose Kinetics
clips have their own frame layout), the two sides of the seed-001 joint AVA + Kinetics training."""

from __future__ import annotations

import os
from collections import Counter

from mmaction.datasets import AVADataset, AVAKineticsDataset
from mmaction.registry import DATASETS
from mmengine.logging import MMLogger

from mmaction_plugins.datasets.proposals import load_proposals

__all__ = ['STADDataset', 'STADKineticsDataset']


class _SafeSTADMixin:
    """The safe, strict loading shared by both datasets (see :class:`STADDataset`)."""

    ann_file: str
    label_file: str | None
    num_classes: int
    custom_classes: list | None
    exclude_file: str | None

    def __init__(self, *args, proposal_file: str | None = None, **kwargs) -> None:
        # Let the parent build everything except the (unsafe, pickle.load) proposal loading.
        super().__init__(*args, proposal_file=None, **kwargs)  # type: ignore[call-arg]
        self.proposal_file = proposal_file
        self.proposals = None
        if proposal_file:
            # A keyframe with no box is treated as absent, as in the legacy files (mmaction2 then
            # proposes the whole frame); upstream would fail on the empty array.
            self.proposals = {k: v for k, v in load_proposals(proposal_file).items() if len(v)}

    def _label_whitelist(self) -> set[int] | None:
        if not self.label_file:
            return None
        from mmaction_plugins.evaluation.label_map import read_label_map

        return set(read_label_map(self.label_file))

    def _validate_ann_file(self) -> None:
        path = self.ann_file
        if not os.path.isfile(path):
            raise FileNotFoundError(f'{path}: annotation file not found')
        whitelist = self._label_whitelist()
        not_in_map: Counter[int] = Counter()
        n_rows = 0
        with open(path, encoding='utf-8') as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                parts = line.strip().split(',')
                if len(parts) < 8:
                    raise ValueError(
                        f'{path}:{lineno}: expected 8 comma-separated fields '
                        f'(video,timestamp,x1,y1,x2,y2,label,entity), got {len(parts)}')
                try:
                    int(parts[1])
                    box = [float(v) for v in parts[2:6]]
                    label = int(parts[6])
                    int(parts[7])
                except ValueError as e:
                    raise ValueError(
                        f'{path}:{lineno}: malformed row {line.strip()!r} ({e})') from e
                if not all(0.0 <= v <= 1.0 for v in box) or box[2] < box[0] or box[3] < box[1]:
                    raise ValueError(f'{path}:{lineno}: box {box} is not a relative x1,y1,x2,y2')
                if self.custom_classes is None and not 0 <= label < self.num_classes:
                    raise ValueError(f'{path}:{lineno}: label {label} outside 0..'
                                     f'{self.num_classes - 1} (num_classes={self.num_classes})')
                if whitelist is not None and label not in whitelist:
                    not_in_map[label] += 1
                n_rows += 1
        if n_rows == 0:
            raise ValueError(f'{path}: annotation file has no rows')
        if not_in_map:
            MMLogger.get_current_instance().warning(
                f'{path}: {sum(not_in_map.values())} rows have labels absent from '
                f'{self.label_file} ({dict(sorted(not_in_map.items()))}); they are kept for '
                'training and ignored by the evaluator.')

    def load_data_list(self) -> list[dict]:
        """Validate the annotation file, then parse it as :class:`AVADataset` does."""
        self._validate_ann_file()
        return super().load_data_list()  # type: ignore[misc]

    def filter_data(self) -> list[dict]:
        """Drop excluded keyframes; malformed exclusion rows raise with file and line."""
        if self.exclude_file is not None:
            with open(self.exclude_file, encoding='utf-8') as f:
                for lineno, line in enumerate(f, 1):
                    parts = line.strip().split(',')
                    if line.strip() and (len(parts) != 2 or not parts[1].strip().isdigit()):
                        raise ValueError(f'{self.exclude_file}:{lineno}: expected '
                                         f'"video_id,timestamp", got {line.strip()!r}')
        return super().filter_data()  # type: ignore[misc]


@DATASETS.register_module()
class STADDataset(_SafeSTADMixin, AVADataset):
    """mmaction2's :class:`~mmaction.datasets.AVADataset`, made safe and strict.

    It reads the same files with the same arguments (AVA and MultiSports layouts), and differs in:

    * **proposals** are loaded by :func:`~mmaction_plugins.datasets.proposals.load_proposals`:
      legacy ``.pkl`` through a restricted unpickler (never ``pickle.load``), or ``.json`` /
      ``.npz``; each key's boxes are validated; keys with no box count as absent.
    * **annotation rows** are checked before parsing: a malformed row raises ``ValueError`` naming
      the file and line; labels outside ``0..num_classes-1`` raise; labels absent from
      ``label_file`` are counted and logged (they are kept for training, as upstream does, and the
      evaluator ignores them). An empty annotation file is an error.
    * **exclusions** with malformed rows raise with file and line.

    Args:
        proposal_file: Proposal file (see above). Defaults to None.
        **kwargs: Everything :class:`~mmaction.datasets.AVADataset` takes.
    """


@DATASETS.register_module()
class STADKineticsDataset(_SafeSTADMixin, AVAKineticsDataset):
    """mmaction2's :class:`~mmaction.datasets.AVAKineticsDataset` (AVA-Kinetics: AVA movies and
    10-s Kinetics clips in one annotation file), with :class:`STADDataset`'s safe proposals and
    checked annotation, label and exclusion files.

    Args:
        proposal_file: Proposal file (``.pkl`` through the restricted unpickler, ``.json``,
            ``.npz``). Defaults to None.
        **kwargs: Everything :class:`~mmaction.datasets.AVAKineticsDataset` takes.
    """
