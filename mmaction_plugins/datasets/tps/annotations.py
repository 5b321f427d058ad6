"""Kinetics-TPS annotations of this project's layout: vocabulary, per-video jsons, frame keys.

The synthetic benchmark writes (``mmaction_plugins/datasets/synthetic/exporters/tps.py``)::

    tps/part_states.json             {part: [state, ...]}   (state ids index these lists)
    tps/categories.txt               "<id>: <name>" lines    (the video action categories)
    tps/{train,val}_list.txt         "<video_id> <category id>" lines
    tps/annotations/<split>/<video_id>.json
        {"video_id", "category", "frames_dir", "num_frames", "resolution": [h, w], "parts",
         "frames": [{"frame": 1-based, "persons": [{"person_id", "box": [x1, y1, x2, y2],
                     "parts": [{"name", "box", "state", "state_id"}]}]}]}   (pixels)

:func:`load_tps_vocabulary` reads the first two, :func:`load_tps_video` one video json into a
:class:`TPSVideo` with array fields in the vocabulary's part order, and :func:`load_tps_split` the
videos of a list file. Every malformed entry raises ``ValueError`` naming the file and the key
path (``frames[3].persons[1].parts[2].box``). Frames are addressed by the key
``"<video_id>,<frame:04d>"`` (:func:`tps_frame_key`), the ``"video_id,timestamp"`` layout of the
project's proposal and person-part files (read their frames with ``timestamp_start=1, fps=1``).

Categories are indexed by their line order in ``categories.txt`` (0-based), not by the id written
in it: the synthetic ids are AVA class ids (4..19), the networks need ``0..C-1``.
"""

from __future__ import annotations

import json
import os
import os.path as osp
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ['TPSVocabulary', 'TPSPerson', 'TPSFrame', 'TPSVideo', 'load_tps_categories',
           'load_tps_vocabulary',
           'load_tps_video', 'load_tps_split', 'tps_frame_key', 'parse_tps_frame_key',
           'tps_frames']


@dataclass(frozen=True)
class TPSVocabulary:
    """Parts, their states and the video categories.

    Attributes:
        parts: ``P`` part names, in the order of every ``(P, ...)`` array of this package.
        states: part -> its state names (state id = position).
        categories: ``C`` category names (category index = position).
    """

    parts: tuple[str, ...]
    states: dict[str, tuple[str, ...]]
    categories: tuple[str, ...]

    @property
    def num_states(self) -> tuple[int, ...]:
        """States per part, in part order."""
        return tuple(len(self.states[p]) for p in self.parts)

    def category_index(self, name: str, where: str) -> int:
        """0-based index of category ``name``; ``ValueError`` naming ``where`` if unknown."""
        try:
            return self.categories.index(name)
        except ValueError:
            raise ValueError(f'{where}: unknown category {name!r} (known: '
                             f'{list(self.categories)})') from None


@dataclass
class TPSPerson:
    """One annotated person of a frame (pixels).

    Attributes:
        person_id: Identity within the video.
        box: ``(4,)`` ``x1, y1, x2, y2``.
        part_boxes: ``(P, 4)`` part boxes in vocabulary order (zeros where not annotated).
        part_states: ``(P,)`` int64 state ids, -1 where the part is not annotated.
    """

    person_id: int
    box: np.ndarray
    part_boxes: np.ndarray
    part_states: np.ndarray


@dataclass
class TPSFrame:
    """Attributes: ``frame`` (1-based index), ``persons``."""

    frame: int
    persons: list[TPSPerson]


@dataclass
class TPSVideo:
    """One video's annotation.

    Attributes:
        video_id: Its id.
        category: Ground-truth category name.
        frames_dir: Folder of its frames ``img_XXXXX.jpg``, relative to the data root.
        height: Frame height in pixels.
        width: Frame width in pixels.
        num_frames: Frames in the video.
        frames: The annotated frames, in file order.
        source: The json it was read from (for messages).
    """

    video_id: str
    category: str
    frames_dir: str
    height: int
    width: int
    num_frames: int
    frames: list[TPSFrame]
    source: str


def _read_json(path: str) -> Any:
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such file')
    with open(path, encoding='utf-8') as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f'{path}:{e.lineno}: invalid JSON ({e.msg})') from e


def load_tps_categories(path: str | os.PathLike[str]) -> tuple[str, ...]:
    """Category names of a ``"<id>: <name>"`` file, in line order.

    Raises:
        ValueError: naming the file and line of a malformed or repeated entry.
    """
    path = os.fspath(path)
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such file')
    categories: list[str] = []
    with open(path, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            cid, sep, name = line.partition(':')
            if not sep or not cid.strip().isdigit() or not name.strip():
                raise ValueError(f'{path}:{lineno}: expected "<id>: <name>", got '
                                 f'{line.strip()!r}')
            if name.strip() in categories:
                raise ValueError(f'{path}:{lineno}: category {name.strip()!r} twice')
            categories.append(name.strip())
    if not categories:
        raise ValueError(f'{path}: no categories')
    return tuple(categories)


def load_tps_vocabulary(part_states_file: str | os.PathLike[str],
                        categories_file: str | os.PathLike[str]) -> TPSVocabulary:
    """Read ``part_states.json`` and ``categories.txt`` (layouts in the module docstring).

    Raises:
        ValueError: naming the file and the part or line that is malformed.
    """
    ps_path, cat_path = os.fspath(part_states_file), os.fspath(categories_file)
    raw = _read_json(ps_path)
    if not isinstance(raw, dict) or not raw:
        raise ValueError(f'{ps_path}: expected a non-empty object {{part: [state, ...]}}')
    states: dict[str, tuple[str, ...]] = {}
    for part, names in raw.items():
        if (not isinstance(names, list) or len(names) < 2
                or not all(isinstance(n, str) for n in names) or len(set(names)) != len(names)):
            raise ValueError(f'{ps_path}: part {part!r}: needs a list of >= 2 distinct state '
                             f'names, got {names!r}')
        states[part] = tuple(names)
    return TPSVocabulary(parts=tuple(states), states=states,
                         categories=load_tps_categories(cat_path))


def _box(value: Any, where: str) -> np.ndarray:
    ok = isinstance(value, (list, tuple)) and len(value) == 4
    arr = np.asarray(value if ok else [np.nan] * 4, dtype=np.float64)
    if not ok or not np.isfinite(arr).all() or arr[2] < arr[0] or arr[3] < arr[1]:
        raise ValueError(f'{where}: expected [x1, y1, x2, y2] with x2 >= x1, y2 >= y1, got '
                         f'{value!r}')
    return arr


def _require(obj: Any, key: str, where: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(obj, dict) or key not in obj:
        raise ValueError(f'{where}: missing "{key}"')
    value = obj[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ValueError(f'{where}.{key}: expected {kind}, got {value!r}')
    return value


def load_tps_video(path: str | os.PathLike[str], vocab: TPSVocabulary) -> TPSVideo:
    """Read and validate one video json.

    Part names must be in the vocabulary (a part missing from a person is left at state -1);
    states are checked against the part's vocabulary, by name and, when given, ``state_id``.

    Raises:
        ValueError: naming ``path`` and the key path of the malformed entry.
    """
    path = os.fspath(path)
    doc = _read_json(path)
    if not isinstance(doc, dict):
        raise ValueError(f'{path}: expected an object')
    video_id = _require(doc, 'video_id', path, str)
    category = _require(doc, 'category', path, str)
    vocab.category_index(category, f'{path}: category')
    frames_dir = _require(doc, 'frames_dir', path, str)
    res = _require(doc, 'resolution', path, list)
    if len(res) != 2 or not all(isinstance(v, int) and v > 0 for v in res):
        raise ValueError(f'{path}: resolution: expected [height, width], got {res!r}')
    num_frames = _require(doc, 'num_frames', path, int)
    part_index = {p: i for i, p in enumerate(vocab.parts)}
    frames: list[TPSFrame] = []
    seen: set[int] = set()
    for fi, fr in enumerate(_require(doc, 'frames', path, list)):
        fw = f'{path}: frames[{fi}]'
        frame = _require(fr, 'frame', fw, int)
        if not 1 <= frame <= num_frames or frame in seen:
            raise ValueError(f'{fw}.frame: {frame} is outside 1..{num_frames} or repeated')
        seen.add(frame)
        persons = []
        for pi, pe in enumerate(_require(fr, 'persons', fw, list)):
            pw = f'{fw}.persons[{pi}]'
            boxes = np.zeros((len(vocab.parts), 4))
            states = np.full(len(vocab.parts), -1, dtype=np.int64)
            for qi, part in enumerate(_require(pe, 'parts', pw, list)):
                qw = f'{pw}.parts[{qi}]'
                name = _require(part, 'name', qw, str)
                if name not in part_index:
                    raise ValueError(f'{qw}.name: unknown part {name!r} (known: '
                                     f'{list(vocab.parts)})')
                k = part_index[name]
                if states[k] >= 0:
                    raise ValueError(f'{qw}: part {name!r} twice for this person')
                state = _require(part, 'state', qw, str)
                if state not in vocab.states[name]:
                    raise ValueError(f'{qw}.state: {state!r} is not a state of {name!r} '
                                     f'{list(vocab.states[name])}')
                sid = vocab.states[name].index(state)
                if 'state_id' in part and part['state_id'] != sid:
                    raise ValueError(f'{qw}.state_id: {part["state_id"]!r} but state {state!r} '
                                     f'is id {sid}')
                boxes[k] = _box(part.get('box'), f'{qw}.box')
                states[k] = sid
            persons.append(TPSPerson(person_id=_require(pe, 'person_id', pw, int),
                                     box=_box(pe.get('box'), f'{pw}.box'), part_boxes=boxes,
                                     part_states=states))
        frames.append(TPSFrame(frame=frame, persons=persons))
    return TPSVideo(video_id=video_id, category=category, frames_dir=frames_dir,
                    height=int(res[0]), width=int(res[1]), num_frames=num_frames, frames=frames,
                    source=path)


def load_tps_split(list_file: str | os.PathLike[str], ann_dir: str | os.PathLike[str],
                   vocab: TPSVocabulary) -> list[TPSVideo]:
    """The videos of a ``<video_id> <category id>`` list file, from ``ann_dir/<video_id>.json``.

    Raises:
        ValueError: a malformed line (file and line named), a duplicate, or a video whose json
            names another ``video_id``.
    """
    list_file, ann_dir = os.fspath(list_file), os.fspath(ann_dir)
    if not osp.isfile(list_file):
        raise FileNotFoundError(f'{list_file}: no such file')
    videos: list[TPSVideo] = []
    seen: set[str] = set()
    with open(list_file, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            fields = line.split()
            if len(fields) != 2:
                raise ValueError(f'{list_file}:{lineno}: expected "<video_id> <category id>", '
                                 f'got {line.strip()!r}')
            vid = fields[0]
            if vid in seen:
                raise ValueError(f'{list_file}:{lineno}: video {vid!r} listed twice')
            seen.add(vid)
            video = load_tps_video(osp.join(ann_dir, f'{vid}.json'), vocab)
            if video.video_id != vid:
                raise ValueError(f'{video.source}: video_id {video.video_id!r} but '
                                 f'{list_file}:{lineno} lists {vid!r}')
            videos.append(video)
    if not videos:
        raise ValueError(f'{list_file}: no videos')
    return videos


def tps_frame_key(video_id: str, frame: int) -> str:
    """``"<video_id>,<frame:04d>"``."""
    return f'{video_id},{int(frame):04d}'


def parse_tps_frame_key(key: str) -> tuple[str, int]:
    """Inverse of :func:`tps_frame_key`; ``ValueError`` for another layout."""
    video, sep, number = key.rpartition(',')
    if not sep or not video or not number.isdigit():
        raise ValueError(f'frame key {key!r} is not "video_id,frame"')
    return video, int(number)


def tps_frames(videos: Sequence[TPSVideo], data_root: str, filename_tmpl: str = 'img_{:05d}.jpg'
               ) -> Iterator[tuple[str, str]]:
    """``(frame key, image path)`` of every annotated frame (with or without persons).

    Raises:
        FileNotFoundError: naming the key whose image is missing.
    """
    for video in videos:
        for fr in video.frames:
            path = osp.join(data_root, video.frames_dir, filename_tmpl.format(fr.frame))
            key = tps_frame_key(video.video_id, fr.frame)
            if not osp.isfile(path):
                raise FileNotFoundError(f'{video.source}: frame {key}: image {path} missing')
            yield key, path
