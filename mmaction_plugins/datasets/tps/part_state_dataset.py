"""``TPSPartStateDataset``: one sample per person of every annotated Kinetics-TPS frame.

Two sources of persons and part boxes:

* ground truth (default): the persons of ``tps/annotations/<split>/<video>.json`` with their part
  boxes and states (training, and the part-state top-1 of the report's Table 3);
* predictions (``person_parts_file``): the human detector's persons and the top-down part
  detector's parts, as :mod:`mmaction_plugins.engine.person_parts` writes them
  (``"<video_id>,<frame:04d>"`` keys, boxes relative to the frame, a part with score 0 absent).
  States are unknown there (-1); the part-state network predicts them for the submission.

The category fed to the network's action embedding is the video's ground-truth category, or,
with ``category_file`` (``{video_id: category name}``, the challenge's ``pred_vid`` layout, as
:class:`~mmaction_plugins.evaluation.tps_category_metric.TPSCategoryMetric` writes it for the
video recognizer's predictions), the predicted one: the report trains with the true category and
tests with the recognizer's.

Each sample (``get_data_info``) holds ``img_path``, ``img_key``, ``video_id``, ``frame``,
``person_index`` (row in its frame), ``person_box`` ``(4,)`` and ``person_score``,
``part_boxes`` ``(P, 4)`` float32 frame pixels, ``part_valid`` ``(P,)``, ``part_states`` ``(P,)``
int64 (-1 unknown), ``part_scores`` ``(P,)``, ``part_names``, ``category`` (index fed to the
network, -1 none) and ``gt_category`` (index). ``frame_part_boxes`` / ``frame_part_valid`` /
``frame_part_states`` are copies that the pipeline leaves alone (the transforms move
``part_boxes`` into the network input and may mark cropped-out parts absent): the submission
and the top-1 are made from them.
"""

from __future__ import annotations

import os.path as osp
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from mmaction.registry import DATASETS
from mmengine.dataset import BaseDataset
from mmengine.logging import MMLogger

from mmaction_plugins.datasets.tps.annotations import (
    TPSVideo,
    TPSVocabulary,
    load_tps_split,
    load_tps_vocabulary,
    tps_frame_key,
)

__all__ = ['TPSPartStateDataset']


@DATASETS.register_module()
class TPSPartStateDataset(BaseDataset):
    """Persons of Kinetics-TPS frames with their part boxes and states (see module docstring).

    Args:
        ann_file: ``<video_id> <category id>`` list (``tps/<split>_list.txt``), relative to
            ``data_root``.
        data_prefix: ``ann`` (folder of the video jsons) and ``img`` (root of the videos'
            ``frames_dir``), relative to ``data_root``.
        part_states_file: ``part_states.json``, relative to ``data_root``. Defaults to
            ``'tps/part_states.json'``.
        categories_file: ``categories.txt``, relative to ``data_root``. Defaults to
            ``'tps/categories.txt'``.
        part_names: The part order of every ``(P, ...)`` array (the model's); must be the
            file's parts. Defaults to None (the file's order). A tuple, because mmengine sorts
            dict keys when it dumps a config.
        part_states: The vocabulary the model was built for (``{part: [states]}``); when given,
            it must equal the file's (else ``ValueError`` naming the file). Defaults to None.
        categories: The category names the model was built for; checked likewise.
        person_parts_file: Predicted persons and parts (``.npz`` / ``.json``); None for ground
            truth. Defaults to None.
        category_file: ``{video_id: category}`` json of predicted categories; None feeds the
            ground truth. Defaults to None.
        min_part_size: Parts narrower or lower than this (frame pixels) are absent. Defaults 1.
        min_person_size: Persons narrower or lower than this (frame pixels; e.g. a detection
            squeezed against the border) are dropped: there is no crop to take. Defaults to 1.
        person_score_thr: Predicted persons below this score are dropped. Defaults to 0.
        max_persons: At most this many persons per frame (highest scores first; the challenge
            scorer takes 10). Defaults to 10.
        filename_tmpl: Frame file names in ``frames_dir``. Defaults to ``'img_{:05d}.jpg'``.
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments (``pipeline``, ``test_mode``...).
    """

    def __init__(self, ann_file: str, data_prefix: Mapping[str, str] | None = None,
                 part_states_file: str = 'tps/part_states.json',
                 categories_file: str = 'tps/categories.txt',
                 part_names: Sequence[str] | None = None,
                 part_states: Mapping[str, Sequence[str]] | None = None,
                 categories: Sequence[str] | None = None,
                 person_parts_file: str | None = None, category_file: str | None = None,
                 min_part_size: float = 1.0, min_person_size: float = 1.0,
                 person_score_thr: float = 0.0,
                 max_persons: int = 10, filename_tmpl: str = 'img_{:05d}.jpg',
                 **kwargs: Any) -> None:
        self.part_states_file = part_states_file
        self.categories_file = categories_file
        self.part_names = None if part_names is None else tuple(part_names)
        self.expected_states = part_states
        self.expected_categories = categories
        self.person_parts_file = person_parts_file
        self.category_file = category_file
        self.min_part_size = float(min_part_size)
        self.min_person_size = float(min_person_size)
        self.person_score_thr = float(person_score_thr)
        self.max_persons = int(max_persons)
        self.filename_tmpl = filename_tmpl
        self.vocab: TPSVocabulary | None = None
        super().__init__(ann_file=ann_file,
                         data_prefix=dict(data_prefix or dict(ann='', img='')), **kwargs)

    def _path(self, path: str) -> str:
        return path if osp.isabs(path) or not self.data_root else osp.join(self.data_root, path)

    def _load_vocab(self) -> TPSVocabulary:
        states_path = self._path(self.part_states_file)
        cats_path = self._path(self.categories_file)
        vocab = load_tps_vocabulary(states_path, cats_path)
        if self.expected_states is not None:
            expected = {k: tuple(v) for k, v in self.expected_states.items()}
            if expected != vocab.states:
                raise ValueError(f'{states_path}: part states {dict(vocab.states)} differ from '
                                 f"the config's part_states {expected}")
        if self.part_names is not None:
            if sorted(self.part_names) != sorted(vocab.parts):
                raise ValueError(f"{states_path}: parts {list(vocab.parts)} differ from the "
                                 f"config's part_names {list(self.part_names)}")
            vocab = TPSVocabulary(parts=self.part_names, states=vocab.states,
                                  categories=vocab.categories)
        if self.expected_categories is not None and \
                tuple(self.expected_categories) != vocab.categories:
            raise ValueError(f"{cats_path}: categories {list(vocab.categories)} differ from the "
                             f"config's {list(self.expected_categories)}")
        return vocab

    def _categories(self, videos: Sequence[TPSVideo], vocab: TPSVocabulary) -> dict[str, int]:
        if self.category_file is None:
            return {v.video_id: vocab.category_index(v.category, v.source) for v in videos}
        from mmaction_plugins.evaluation.kinetics_tps import load_tps_json

        path = self._path(self.category_file)
        pred = load_tps_json(path)
        if not isinstance(pred, dict):
            raise ValueError(f'{path}: expected {{video_id: category}}')
        missing = [v.video_id for v in videos if v.video_id not in pred]
        if missing:
            raise ValueError(f'{path}: no category for videos {missing[:5]} '
                             f'({len(missing)} missing)')
        return {v.video_id: vocab.category_index(pred[v.video_id], f'{path}: {v.video_id!r}')
                for v in videos}

    def load_data_list(self) -> list[dict[str, Any]]:
        """One dict per person (see the module docstring)."""
        vocab = self._load_vocab()
        self.vocab = vocab
        videos = load_tps_split(self.ann_file, self.data_prefix.get('ann', ''), vocab)
        category = self._categories(videos, vocab)
        predicted = None
        pred_parts: dict[str, np.ndarray] = {}
        if self.person_parts_file is not None:
            from mmaction_plugins.datasets.person_parts_file import load_person_parts

            path = self._path(self.person_parts_file)
            predicted = load_person_parts(path)
            if predicted.parts is None or set(predicted.part_names) != set(vocab.parts):
                raise ValueError(f'{path}: part_names {list(predicted.part_names)} must be the '
                                 f'vocabulary parts {list(vocab.parts)} (a TPS part detector)')
            cols = [predicted.part_names.index(p) for p in vocab.parts]
            pred_parts = {k: v[:, cols] for k, v in predicted.parts.items()}
        img_root = self.data_prefix.get('img', '')
        n_parts = len(vocab.parts)
        data: list[dict[str, Any]] = []
        for video in videos:
            gt_cat = vocab.category_index(video.category, video.source)
            scale = np.array([video.width, video.height] * 2, dtype=np.float64)
            for fr in video.frames:
                key = tps_frame_key(video.video_id, fr.frame)
                base = dict(img_path=osp.join(img_root, video.frames_dir,
                                              self.filename_tmpl.format(fr.frame)),
                            img_key=key, video_id=video.video_id, frame=fr.frame,
                            part_names=vocab.parts, category=category[video.video_id],
                            gt_category=gt_cat)
                if predicted is None:
                    persons = [(p.box, 1.0, p.part_boxes, p.part_states >= 0,
                                p.part_states, (p.part_states >= 0).astype(np.float32))
                               for p in fr.persons]
                else:
                    persons = []
                    boxes = predicted.boxes.get(key, np.zeros((0, 5)))
                    parts = pred_parts.get(key, np.zeros((0, n_parts, 5)))
                    for box, part in zip(boxes, parts):
                        persons.append((box[:4] * scale, float(box[4]), part[:, :4] * scale,
                                        part[:, 4] > 0, np.full(n_parts, -1, np.int64),
                                        part[:, 4].astype(np.float32)))
                    persons = [p for p in persons if p[1] >= self.person_score_thr]
                    persons.sort(key=lambda p: -p[1])
                persons = [p for p in persons
                           if min(p[0][2] - p[0][0], p[0][3] - p[0][1]) >= self.min_person_size]
                persons = persons[:self.max_persons]
                for i, (box, score, pboxes, valid, states, pscores) in enumerate(persons):
                    pboxes = np.asarray(pboxes, np.float64)
                    size_ok = ((pboxes[:, 2] - pboxes[:, 0]) >= self.min_part_size) \
                        & ((pboxes[:, 3] - pboxes[:, 1]) >= self.min_part_size)
                    valid = np.asarray(valid, bool) & size_ok
                    pboxes = np.where(valid[:, None], pboxes, 0.0).astype(np.float32)
                    states = np.where(valid, states, -1).astype(np.int64)
                    data.append(dict(base, person_index=i,
                                     person_box=np.asarray(box, np.float32)[:4],
                                     person_score=float(score), part_boxes=pboxes,
                                     frame_part_boxes=pboxes.copy(), part_valid=valid,
                                     frame_part_valid=valid.copy(), part_states=states,
                                     frame_part_states=states.copy(),
                                     part_scores=np.where(valid, pscores, 0).astype(np.float32)))
        if predicted is not None:
            known = {tps_frame_key(v.video_id, f.frame) for v in videos for f in v.frames}
            extra = sorted(set(predicted.boxes) - known)
            if extra:
                MMLogger.get_current_instance().warning(
                    f'{self.person_parts_file}: {len(extra)} frame keys are not annotated '
                    f'frames of {self.ann_file} and are ignored (e.g. {extra[0]!r})')
        return data

    def _serialize_data(self) -> tuple[np.ndarray, np.ndarray]:
        # mmengine's version fails on an empty list (e.g. a detector that found nobody)
        if not self.data_list:
            return np.zeros(0, np.uint8), np.zeros(0, np.int64)
        return super()._serialize_data()

    def state_matrix(self) -> np.ndarray:
        """``(N, P)`` int64 ground-truth states of every sample, -1 where unknown / absent."""
        return np.stack([self.get_data_info(i)['part_states'] for i in range(len(self))]) \
            if len(self) else np.zeros((0, len(self.vocab.parts) if self.vocab else 0),
                                       np.int64)

    def get_cat_ids(self, idx: int) -> list[int]:
        """``(part, state)`` pair ids present in sample ``idx`` (``offset[part] + state``,
        offsets the cumulative state counts in part order), for class-balanced samplers."""
        assert self.vocab is not None
        offsets = np.concatenate([[0], np.cumsum(self.vocab.num_states)[:-1]])
        states = self.get_data_info(idx)['part_states']
        known = states >= 0
        return (offsets[known] + states[known]).astype(int).tolist()
