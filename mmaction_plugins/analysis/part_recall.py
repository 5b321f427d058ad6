"""How many ground-truth body parts a stage-one part file localises: the share hit at IoU 0.5.

The Kinetics-TPS score only credits a part state whose part box overlaps the ground truth of
*that part* (IoU >= 0.5), so a part detector that finds parts but names them wrongly (left for
right, or permuted classes) scores nothing while looking busy. :func:`part_box_recall` measures
that directly on a stage-one file (:mod:`mmaction_plugins.datasets.person_parts_file`) against
the TPS annotations, with the scorer's IoU (:func:`~mmaction_plugins.evaluation.kinetics_tps.
bbox_iou_tps`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from mmaction_plugins.datasets.person_parts_file import PersonParts
    from mmaction_plugins.datasets.tps import TPSVideo

__all__ = ['part_box_recall']


def part_box_recall(parts: PersonParts, videos: Sequence[TPSVideo], vocab_parts: Sequence[str],
                    iou_thr: float = 0.5) -> dict[str, float]:
    """Per part name, the share of annotated ground-truth parts hit by the same-name part box.

    A ground-truth person is matched to the stage-one person box of the same frame with the
    highest IoU if that is >= 0.5 (the scorer's human threshold); each of its annotated parts
    (state >= 0) counts as hit when the matched person's detected box of that part has
    IoU >= ``iou_thr`` with it. Unmatched persons, frames missing from the file and undetected
    parts count as misses.

    Args:
        parts: :class:`~mmaction_plugins.datasets.person_parts_file.PersonParts` with ``parts``
            (boxes relative to the frame, ``(N, P, 5)``).
        videos: :class:`~mmaction_plugins.datasets.tps.TPSVideo` ground truth (pixels).
        vocab_parts: The order of the videos' ``part_boxes`` / ``part_states`` (the
            vocabulary's ``parts``); matched to the file's ``part_names`` by name.
        iou_thr: Part IoU threshold.

    Returns:
        ``{part name: recall in [0, 1], ..., 'all': recall over every part}`` (parts in the
        file's order; NaN for a part never annotated).

    Raises:
        ValueError: the file has no part boxes.
    """
    from mmaction_plugins.datasets.tps import tps_frame_key
    from mmaction_plugins.evaluation.kinetics_tps import bbox_iou_tps

    if parts.parts is None:
        raise ValueError('part_box_recall: the person-parts file has no part boxes')
    names = tuple(parts.part_names)
    hits = dict.fromkeys(names, 0)
    total = dict.fromkeys(names, 0)
    for video in videos:
        scale = np.array([video.width, video.height] * 2, dtype=np.float64)
        for frame in video.frames:
            key = tps_frame_key(video.video_id, frame.frame)
            boxes = parts.boxes.get(key)
            det = parts.parts.get(key)
            for person in frame.persons:
                best, j = 0.0, -1
                for k in range(0 if boxes is None else len(boxes)):
                    iou = bbox_iou_tps(person.box, boxes[k, :4] * scale)
                    if iou > best:
                        best, j = iou, k
                for q, name in enumerate(vocab_parts):
                    if name not in hits or person.part_states[q] < 0:
                        continue
                    total[name] += 1
                    if best < 0.5 or det is None:
                        continue
                    d = det[j, names.index(name)]
                    if d[4] > 0 and bbox_iou_tps(person.part_boxes[q], d[:4] * scale) >= iou_thr:
                        hits[name] += 1
    out = {n: hits[n] / total[n] if total[n] else float('nan') for n in names}
    n_all = sum(total.values())
    out['all'] = sum(hits.values()) / n_all if n_all else float('nan')
    return out
