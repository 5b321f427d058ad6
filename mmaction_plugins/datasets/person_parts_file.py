"""Per-person keypoint and body-part files: safe ``.npz`` and ``.json`` layouts.

Stage one writes, for every frame key of a proposal file (``"video_id,timestamp"``, see
:mod:`mmaction_plugins.datasets.proposals`), the person boxes it started from and, per person,
keypoints and/or part boxes. All coordinates are relative to the frame (0..1).

* ``boxes``     float ``(N, 5)``    person ``x1, y1, x2, y2, score`` (the proposals used).
* ``keypoints`` float ``(N, K, 3)`` ``x, y, score`` per keypoint (K = 17, COCO order), x and y
  clipped to the frame; the score is the pose model's (heatmap maximum, not bounded to 0..1).
* ``parts``     float ``(N, P, 5)`` ``x1, y1, x2, y2, score`` per part class (the part detector's
  class order): the best-scoring box of that class in the person's crop. **A part that was not
  detected is the row ``0, 0, 0, 0, 0``**: score 0 means "absent" and its box is all zeros;
  a detected part has a score in (0, 1].

Row ``i`` of ``keypoints`` and ``parts`` belongs to row ``i`` of ``boxes``. Either of keypoints and
parts may be missing from a file (``None``), not both. Layouts (by extension):

* ``.npz`` — arrays ``keys`` (str, F), ``counts`` (int, F), ``boxes`` (sum(counts), 5), and
  ``keypoints`` (sum(counts), K, 3) + ``keypoint_names`` (K,) and/or ``parts``
  (sum(counts), P, 5) + ``part_names`` (P,): the persons of key ``i`` are the ``counts[i]`` rows
  following those of keys ``0..i-1``. Loaded with ``allow_pickle=False``.
* ``.json`` — ``{"keypoint_names": [...] | null, "part_names": [...] | null, "frames":
  {img_key: {"boxes": [[...]], "keypoints": [[[x, y, s], ...]], "parts": [[[x1, y1, x2, y2,
  s], ...]]}}}``.

Loading validates everything and raises ``ValueError`` naming the file and the offending key.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from mmaction_plugins.utils.atomic_io import atomic_write_bytes, atomic_write_json

__all__ = ['PersonParts', 'validate_person_parts', 'load_person_parts', 'save_person_parts']


@dataclass
class PersonParts:
    """Keypoints and/or part boxes per person, per frame key (layout: module docstring).

    Attributes:
        boxes: ``img_key -> (N, 5)`` person boxes.
        keypoints: ``img_key -> (N, K, 3)``, or ``None``.
        parts: ``img_key -> (N, P, 5)``, or ``None``.
        keypoint_names: ``K`` names (empty when ``keypoints`` is ``None``).
        part_names: ``P`` names (empty when ``parts`` is ``None``).
    """

    boxes: dict[str, np.ndarray]
    keypoints: dict[str, np.ndarray] | None = None
    parts: dict[str, np.ndarray] | None = None
    keypoint_names: tuple[str, ...] = field(default_factory=tuple)
    part_names: tuple[str, ...] = field(default_factory=tuple)


def _array(value: object, source: str, key: str, what: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f'{source}: key {key!r}: {what} is not a numeric array ({e})') from e
    if not np.isfinite(arr).all():
        raise ValueError(f'{source}: key {key!r}: {what} has non-finite values')
    return arr


def _check_xyxy(xyxy: np.ndarray, source: str, key: str, what: str) -> None:
    if xyxy.size == 0:
        return
    if xyxy.min() < 0 or xyxy.max() > 1:
        raise ValueError(f'{source}: key {key!r}: {what} must be relative (0..1), got range '
                         f'[{xyxy.min():.4g}, {xyxy.max():.4g}]')
    if (xyxy[..., 2] < xyxy[..., 0]).any() or (xyxy[..., 3] < xyxy[..., 1]).any():
        raise ValueError(f'{source}: key {key!r}: {what} with x2 < x1 or y2 < y1')


def _names(value: object, source: str, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)) or not all(isinstance(n, str) for n in value):
        raise ValueError(f'{source}: {what} must be a list of strings, got {value!r}')
    if len(set(value)) != len(value):
        raise ValueError(f'{source}: {what} has duplicates: {list(value)}')
    return tuple(value)


def validate_person_parts(data: PersonParts, source: str) -> PersonParts:
    """Check shapes, ranges and the absent-part convention; return float64 copies.

    Raises:
        ValueError: naming ``source`` and the offending key.
    """
    if not isinstance(data, PersonParts):
        raise ValueError(f'{source}: expected PersonParts, got {type(data).__name__}')
    if data.keypoints is None and data.parts is None:
        raise ValueError(f'{source}: holds neither keypoints nor parts')
    if not isinstance(data.boxes, Mapping):
        raise ValueError(f'{source}: boxes must map img_key -> (N, 5)')
    kpt_names = _names(data.keypoint_names, source, 'keypoint_names')
    part_names = _names(data.part_names, source, 'part_names')
    out = PersonParts(boxes={}, keypoints=None if data.keypoints is None else {},
                      parts=None if data.parts is None else {},
                      keypoint_names=kpt_names, part_names=part_names)
    for key in data.boxes:
        if not isinstance(key, str) or ',' not in key:
            raise ValueError(f'{source}: key {key!r} is not "video_id,timestamp"')
    for name, table in (('keypoints', data.keypoints), ('parts', data.parts)):
        if table is None:
            continue
        if not isinstance(table, Mapping):
            raise ValueError(f'{source}: {name} must map img_key -> array')
        extra = sorted(set(table) - set(data.boxes))
        missing = sorted(set(data.boxes) - set(table))
        if extra or missing:
            bad = (extra or missing)[0]
            raise ValueError(f'{source}: key {bad!r}: {name} and boxes have different keys '
                             f'({len(extra)} only in {name}, {len(missing)} only in boxes)')
    for key, raw_boxes in data.boxes.items():
        boxes = _array(raw_boxes, source, key, 'boxes')
        if boxes.size == 0:
            boxes = boxes.reshape(0, 5)
        if boxes.ndim != 2 or boxes.shape[1] != 5:
            raise ValueError(f'{source}: key {key!r}: boxes must be (N, 5), got {boxes.shape}')
        _check_xyxy(boxes[:, :4], source, key, 'boxes')
        out.boxes[key] = boxes
        n = len(boxes)
        if data.keypoints is not None and out.keypoints is not None:
            kpts = _array(data.keypoints[key], source, key, 'keypoints')
            if kpts.size == 0:
                kpts = kpts.reshape(0, len(kpt_names), 3)
            if kpts.shape != (n, len(kpt_names), 3):
                raise ValueError(f'{source}: key {key!r}: keypoints must be (N={n}, '
                                 f'K={len(kpt_names)}, 3), got {kpts.shape}')
            xy = kpts[..., :2]
            if xy.size and (xy.min() < 0 or xy.max() > 1):
                raise ValueError(f'{source}: key {key!r}: keypoint x, y must be relative '
                                 f'(0..1), got range [{xy.min():.4g}, {xy.max():.4g}]')
            out.keypoints[key] = kpts
        if data.parts is not None and out.parts is not None:
            parts = _array(data.parts[key], source, key, 'parts')
            if parts.size == 0:
                parts = parts.reshape(0, len(part_names), 5)
            if parts.shape != (n, len(part_names), 5):
                raise ValueError(f'{source}: key {key!r}: parts must be (N={n}, '
                                 f'P={len(part_names)}, 5), got {parts.shape}')
            _check_xyxy(parts[..., :4], source, key, 'part boxes')
            scores = parts[..., 4]
            if scores.size and (scores.min() < 0 or scores.max() > 1):
                raise ValueError(f'{source}: key {key!r}: part scores must be in 0..1')
            if (parts[scores == 0][:, :4] != 0).any():
                raise ValueError(f'{source}: key {key!r}: a part with score 0 (not detected) '
                                 f'must have the box 0, 0, 0, 0')
            out.parts[key] = parts
    if out.keypoints is None and kpt_names:
        raise ValueError(f'{source}: keypoint_names without keypoints')
    if out.parts is None and part_names:
        raise ValueError(f'{source}: part_names without parts')
    return out


def _from_npz(path: str) -> PersonParts:
    with np.load(path, allow_pickle=False) as z:
        files = set(z.files)
        missing = {'keys', 'counts', 'boxes'} - files
        if missing:
            raise ValueError(f'{path}: needs arrays keys/counts/boxes; missing {sorted(missing)}')
        arrays = {k: z[k] for k in files}
    keys, counts = arrays['keys'], arrays['counts']
    if keys.ndim != 1 or counts.shape != keys.shape or not np.issubdtype(counts.dtype,
                                                                         np.integer):
        raise ValueError(f'{path}: keys and counts must be 1-D of the same length, counts '
                         f'integer; got {keys.shape} / {counts.shape} {counts.dtype}')
    total = int(counts.sum())
    if (counts < 0).any():
        raise ValueError(f'{path}: key {str(keys[np.argmax(counts < 0)])!r}: negative count')
    cuts = np.cumsum(counts)[:-1]
    tables: dict[str, dict[str, np.ndarray] | None] = {}
    for name in ('boxes', 'keypoints', 'parts'):
        if name not in arrays:
            tables[name] = None
            continue
        arr = arrays[name]
        if len(arr) != total:
            raise ValueError(f'{path}: "{name}" has {len(arr)} rows, counts sum to {total}')
        tables[name] = {str(k): v for k, v in zip(keys, np.split(arr, cuts) if len(keys) else [])}
    for names, table in (('keypoint_names', 'keypoints'), ('part_names', 'parts')):
        if (names in arrays) != (table in arrays):
            raise ValueError(f'{path}: "{table}" and "{names}" must come together')
    boxes = tables['boxes']
    assert boxes is not None
    return PersonParts(boxes=boxes, keypoints=tables['keypoints'], parts=tables['parts'],
                       keypoint_names=_names(arrays.get('keypoint_names'), path,
                                             'keypoint_names'),
                       part_names=_names(arrays.get('part_names'), path, 'part_names'))


def _from_json(path: str) -> PersonParts:
    with open(path, encoding='utf-8') as f:
        try:
            raw = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f'{path}: line {e.lineno}: invalid JSON ({e.msg})') from e
    if not isinstance(raw, dict) or not isinstance(raw.get('frames'), dict):
        raise ValueError(f'{path}: expected an object with "frames": {{img_key: {{...}}}}')
    kpt_names = _names(raw.get('keypoint_names'), path, 'keypoint_names')
    part_names = _names(raw.get('part_names'), path, 'part_names')
    has_kpts = raw.get('keypoint_names') is not None
    has_parts = raw.get('part_names') is not None
    boxes: dict[str, np.ndarray] = {}
    kpts: dict[str, np.ndarray] = {}
    parts: dict[str, np.ndarray] = {}
    for key, frame in raw['frames'].items():
        if not isinstance(frame, dict) or 'boxes' not in frame:
            raise ValueError(f'{path}: key {key!r}: expected {{"boxes": ..., ...}}')
        for name, wanted, table in (('keypoints', has_kpts, kpts), ('parts', has_parts, parts)):
            if wanted != (name in frame):
                names_key = 'keypoint_names' if name == 'keypoints' else 'part_names'
                raise ValueError(f'{path}: key {key!r}: "{name}" must be present exactly when '
                                 f'"{names_key}" is set')
            if wanted:
                table[key] = _array(frame[name], path, key, name)
        boxes[key] = _array(frame['boxes'], path, key, 'boxes')
    return PersonParts(boxes=boxes, keypoints=kpts if has_kpts else None,
                       parts=parts if has_parts else None, keypoint_names=kpt_names,
                       part_names=part_names)


def load_person_parts(path: str | os.PathLike[str]) -> PersonParts:
    """Load and validate a ``.npz`` or ``.json`` person keypoint/part file.

    Returns:
        :class:`PersonParts` with float64 arrays.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: person parts file not found')
    ext = os.path.splitext(path)[1].lower()
    if ext == '.npz':
        data = _from_npz(path)
    elif ext == '.json':
        data = _from_json(path)
    else:
        raise ValueError(f'{path}: unknown person parts format {ext!r} (use .npz or .json)')
    return validate_person_parts(data, path)


def save_person_parts(data: PersonParts, path: str | os.PathLike[str]) -> None:
    """Validate ``data`` and write it atomically as ``.npz`` or ``.json`` (keys sorted)."""
    path = os.fspath(path)
    clean = validate_person_parts(data, f'<person parts for {path}>')
    keys = sorted(clean.boxes)
    ext = os.path.splitext(path)[1].lower()
    if ext == '.json':
        frames: dict[str, dict[str, object]] = {}
        for k in keys:
            frame: dict[str, object] = {'boxes': np.round(clean.boxes[k], 6).tolist()}
            if clean.keypoints is not None:
                frame['keypoints'] = np.round(clean.keypoints[k], 6).tolist()
            if clean.parts is not None:
                frame['parts'] = np.round(clean.parts[k], 6).tolist()
            frames[k] = frame
        atomic_write_json(path, dict(
            keypoint_names=list(clean.keypoint_names) if clean.keypoints is not None else None,
            part_names=list(clean.part_names) if clean.parts is not None else None,
            frames=frames), indent=None)
    elif ext == '.npz':
        def stack(table: Mapping[str, np.ndarray], shape: Sequence[int]) -> np.ndarray:
            return (np.concatenate([table[k] for k in keys]) if keys
                    else np.zeros((0, *shape)))

        arrays: dict[str, np.ndarray] = dict(
            keys=np.array(keys, dtype=str),
            counts=np.array([len(clean.boxes[k]) for k in keys], dtype=np.int64),
            boxes=stack(clean.boxes, (5,)))
        if clean.keypoints is not None:
            arrays['keypoints'] = stack(clean.keypoints, (len(clean.keypoint_names), 3))
            arrays['keypoint_names'] = np.array(clean.keypoint_names, dtype=str)
        if clean.parts is not None:
            arrays['parts'] = stack(clean.parts, (len(clean.part_names), 5))
            arrays['part_names'] = np.array(clean.part_names, dtype=str)
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        atomic_write_bytes(path, buf.getvalue())
    else:
        raise ValueError(f'{path}: unknown person parts format {ext!r} (use .npz or .json)')
