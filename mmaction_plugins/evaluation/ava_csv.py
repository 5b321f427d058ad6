"""Reading AVA CSV files exactly as ActivityNet's ``get_ava_performance.py`` reads them, vectorised.

The official ``read_csv`` keeps, per keyframe, a ``heapq`` of ``(score, action_id, y1, x1, y2, x2)``
tuples: it pushes while the heap holds fewer than ``capacity`` entries and otherwise replaces the
smallest tuple only if the new score is *strictly* greater than the smallest score; it then orders
each keyframe's entries with ``sorted(..., key=-score)`` (stable over the heap's internal list).
Those two details decide which detections survive a tie at the capacity boundary and in which
order equal scores of one class reach the matcher, so they are reproduced exactly:

* a keyframe with at most ``capacity`` rows keeps them all; with more rows and no tie between the
  ``capacity``-th and the next score it keeps the ``capacity`` best (provably what the heap keeps);
* a keyframe where the boundary ties, or where two kept rows share class and score (their order
  then matters), is replayed through ``heapq`` with the official tuples — only those keyframes,
  so the common case stays vectorised.

Bad input raises ``ValueError`` naming the file and line. Rows whose class is not in the label map
are dropped like the official whitelist does, but counted and logged; so are boxes outside [0, 1].
"""

from __future__ import annotations

import csv
import heapq
import logging
import os
import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ['AVACsv', 'read_ava_csv', 'read_exclusions']

logger = logging.getLogger(__name__)


@dataclass
class AVACsv:
    """The rows of one AVA CSV kept by the official reader, in the official order.

    Rows are grouped by keyframe (keyframes in order of first appearance of a whitelisted row)
    and, inside a keyframe, in the order the official reader hands them to the evaluator.

    Attributes:
        path: the file read.
        video_ids: ``(K,)`` str, video id of each keyframe.
        timestamps: ``(K,)`` int64, timestamp (seconds) of each keyframe.
        frame: ``(N,)`` int64, keyframe index (into ``video_ids``) of each row.
        boxes: ``(N, 4)`` float64 ``[y1, x1, y2, x2]`` (the official coordinate order).
        labels: ``(N,)`` int64 class ids.
        scores: ``(N,)`` float64 scores (1.0 for 7-column rows; the person id for 8-column
            ground truth, which the official reader also takes as a score).
        lines: ``(N,)`` int64, 1-based line number of each row in the file.
        stats: counters of what was dropped or flagged (``unknown_class``, ``over_capacity``,
            ``out_of_range``, ``blank_lines``).
    """

    path: str
    video_ids: np.ndarray
    timestamps: np.ndarray
    frame: np.ndarray
    boxes: np.ndarray
    labels: np.ndarray
    scores: np.ndarray
    lines: np.ndarray
    stats: dict[str, int] = field(default_factory=dict)
    unknown_classes: dict[int, int] = field(default_factory=dict)

    @property
    def num_frames(self) -> int:
        """Number of keyframes ``K``."""
        return int(self.video_ids.shape[0])


def _first_bad(col: list[str], parse: type, path: str, lines: np.ndarray, what: str,
               kind: str) -> ValueError:
    """The error naming the first value of ``col`` that ``parse`` rejects (file and line)."""
    for i, s in enumerate(col):
        try:
            parse(s)
        except ValueError:
            return ValueError(f'{path}:{lines[i]}: {what} is not {kind}: {s!r}')
    return ValueError(f'{path}: {what}: unparsable column')


def _to_float(col: list[str], path: str, lines: np.ndarray, what: str) -> np.ndarray:
    try:
        out = np.array(col, dtype=np.float64)
    except ValueError:
        raise _first_bad(col, float, path, lines, what, 'a number') from None
    bad = ~np.isfinite(out)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f'{path}:{lines[i]}: {what} must be finite, got {col[i]!r}')
    return out


def _to_int(col: list[str], path: str, lines: np.ndarray, what: str) -> np.ndarray:
    try:
        return np.array([int(s) for s in col], dtype=np.int64)
    except ValueError:
        raise _first_bad(col, int, path, lines, what, 'an integer') from None


def _read_rows(path: str) -> tuple[list[list[str]], np.ndarray, int]:
    with open(path, newline='', encoding='utf-8') as f:
        raw = list(csv.reader(f))
    lines = np.arange(1, len(raw) + 1, dtype=np.int64)
    keep = [i for i, r in enumerate(raw) if r and any(c.strip() for c in r)]
    blank = len(raw) - len(keep)
    if blank:
        raw = [raw[i] for i in keep]
        lines = lines[keep]
    if not raw:
        raise ValueError(f'{path}: empty file, expected AVA CSV rows')
    return raw, lines, blank


@dataclass
class _Parsed:
    vid_code: np.ndarray  # (N,) int64 index into vid_names
    vid_names: list[str]
    ts: np.ndarray        # (N,) int64
    coords: np.ndarray    # (N, 4) float64 x1, y1, x2, y2
    labels: np.ndarray    # (N,) int64
    scores: np.ndarray    # (N,) float64
    lines: np.ndarray     # (N,) int64
    blank: int


def _codes(items: list[Any]) -> tuple[np.ndarray, list[Any]]:
    codes: dict[Any, int] = {}
    code = np.fromiter((codes.setdefault(v, len(codes)) for v in items), dtype=np.int64,
                       count=len(items))
    return code, list(codes)


_POW10 = np.array([10.0 ** k for k in range(23)])


def _decimal_field(buf: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray | None:
    """Parse one column of plain decimals (``-?digits[.digits]``) from ``buf[start:end]``.

    ``mantissa / 10**fraction_digits`` with an exact integer mantissa below 2**53 and an exact
    power of ten is one correctly rounded division, i.e. exactly ``float(text)`` (the classic
    fast path of decimal-to-binary conversion). Returns None for anything else (exponents,
    spaces, too many digits...), so that the caller uses the general parser.

    Args:
        buf: ``(B,)`` uint8 file bytes.
        start: ``(n,)`` first byte of each field.
        end: ``(n,)`` one past the last byte.

    Returns:
        np.ndarray | None: ``(n,)`` float64 values.
    """
    length = end - start
    if length.size == 0 or length.min() < 1 or length.max() > 17:
        return None
    width = int(length.max())
    mant = np.zeros(start.size, dtype=np.int64)
    frac = np.zeros(start.size, dtype=np.int64)
    seen_dot = np.zeros(start.size, dtype=bool)
    n_digits = np.zeros(start.size, dtype=np.int64)
    negative = buf[start] == 45
    for k in range(width):
        inside = k < length
        ch = buf[np.minimum(start + k, buf.size - 1)]
        digit = inside & (ch >= 48) & (ch <= 57)
        dot = inside & (ch == 46)
        sign = inside & (ch == 45) & (k == 0)
        if np.any(inside & ~digit & ~dot & ~sign) or np.any(dot & seen_dot):
            return None
        mant = np.where(digit, mant * 10 + (ch.astype(np.int64) - 48), mant)
        frac += digit & seen_dot
        n_digits += digit
        seen_dot |= dot
    if n_digits.min() < 1 or mant.max() >= 2 ** 53:
        return None
    value = mant / _POW10[frac]
    return np.where(negative, -value, value)


def _parse_fast(path: str) -> _Parsed | None:
    """Vectorised parse of a well-formed file; None means "use the careful path".

    Works on the bytes: every line must have the same number of commas (6 or 7) and no quote;
    the video ids are read as a fixed-width byte matrix, plain decimals by
    :func:`_decimal_field` and any other number syntax by ``np.fromstring`` (both exactly
    ``float()``); anything unexpected — a count that does not add up, a non-finite or
    non-integral value — falls back to :func:`_parse_careful`, which names the offending line.
    """
    with open(path, 'rb') as f:
        data = f.read()
    if not data.strip():
        raise ValueError(f'{path}: empty file, expected AVA CSV rows')
    if b'\r\n' in data:
        data = data.replace(b'\r\n', b'\n')
    if b'"' in data or b'\r' in data or b'\0' in data:
        return None
    if not data.endswith(b'\n'):
        data += b'\n'
    buf = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(buf == 10)
    starts = np.r_[0, nl[:-1] + 1]
    comma = np.flatnonzero(buf == 44)
    per_line = np.diff(np.searchsorted(comma, np.r_[starts, buf.size]))
    if per_line.size == 0 or per_line.min() != per_line.max() or per_line[0] not in (6, 7):
        return None
    ncol = int(per_line[0]) + 1
    first_comma = comma[np.searchsorted(comma, starts)]
    if np.any(first_comma == starts):
        return None
    id_len = first_comma - starts
    width = int(id_len.max())
    if width > 256:
        return None
    # video ids as a fixed-width byte matrix (zero padded), then blanked out of the numbers
    col = np.arange(width)
    inside = col[None, :] < id_len[:, None]
    pos = starts[:, None] + col[None, :]
    ids = np.where(inside, buf[np.minimum(pos, buf.size - 1)], 0).astype(np.uint8)
    n = starts.size
    cm = comma.reshape(n, ncol - 1)
    f_start = cm + 1
    f_end = np.concatenate([cm[:, 1:], nl[:, None]], axis=1)
    cols = [_decimal_field(buf, f_start[:, j], f_end[:, j]) for j in range(ncol - 1)]
    if all(c is not None for c in cols):
        arr = np.stack(cols, axis=1)  # type: ignore[arg-type]
    else:  # general number syntax: blank the ids out and let numpy parse the rest
        numeric = buf.copy()
        numeric[pos[inside]] = 32
        numeric[first_comma] = 32
        numeric[nl] = 44
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', DeprecationWarning)
            arr = np.fromstring(numeric.tobytes().decode('latin-1'), sep=',')
        if arr.size != n * (ncol - 1):
            return None
        arr = arr.reshape(n, ncol - 1)
    if not np.isfinite(arr).all():
        return None
    ts, labels = arr[:, 0], arr[:, 5]
    if not (np.array_equal(ts, np.trunc(ts)) and np.array_equal(labels, np.trunc(labels))):
        return None
    # rows of one keyframe are usually adjacent: encode runs of equal ids, unique the run heads
    head = np.r_[True, np.any(ids[1:] != ids[:-1], axis=1)]
    heads = np.ascontiguousarray(ids[head]).view(f'V{width}').reshape(-1)
    uniq, run_code = np.unique(heads, return_inverse=True)
    code = run_code.reshape(-1)[np.cumsum(head) - 1].astype(np.int64)
    try:
        vid_names = [bytes(u).rstrip(b'\0').decode('utf-8') for u in uniq.tolist()]
    except UnicodeDecodeError:
        return None
    scores = arr[:, 6] if ncol == 8 else np.ones(n)
    return _Parsed(vid_code=code, vid_names=vid_names, ts=ts.astype(np.int64),
                   coords=np.ascontiguousarray(arr[:, 1:5]), labels=labels.astype(np.int64),
                   scores=np.ascontiguousarray(scores),
                   lines=np.arange(1, n + 1, dtype=np.int64), blank=0)


def _parse_careful(path: str) -> _Parsed:
    """Row by row, with an error naming file and line for anything malformed."""
    raw, lines, blank = _read_rows(path)
    ncols = np.fromiter((len(r) for r in raw), dtype=np.int64, count=len(raw))
    bad = (ncols != 7) & (ncols != 8)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f'{path}:{lines[i]}: expected 7 or 8 columns '
                         f'(video_id,timestamp,x1,y1,x2,y2,action_id[,score]), got {ncols[i]}')
    cols = list(zip(*[r[:7] for r in raw]))
    labels = _to_int(list(cols[6]), path, lines, 'action_id')
    ts = _to_int(list(cols[1]), path, lines, 'timestamp')
    coords = np.stack([_to_float(list(cols[c]), path, lines, name)
                       for c, name in zip(range(2, 6), ('x1', 'y1', 'x2', 'y2'))], axis=1)
    scores = np.ones(len(raw), dtype=np.float64)
    eight = np.flatnonzero(ncols == 8)
    if eight.size:
        scores[eight] = _to_float([raw[i][7] for i in eight.tolist()], path, lines[eight],
                                  'score')
    code, names = _codes(list(cols[0]))
    return _Parsed(vid_code=code, vid_names=names, ts=ts, coords=coords, labels=labels,
                   scores=scores, lines=lines, blank=blank)


def read_exclusions(path: str | os.PathLike[str] | None) -> set[tuple[str, int]]:
    """Read ``video_id,timestamp`` rows (the official ``read_exclusions``).

    Returns:
        set: ``(video_id, int(timestamp))`` pairs; empty for ``None``.
    """
    if path is None:
        return set()
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: no such file')
    out: set[tuple[str, int]] = set()
    with open(path, newline='', encoding='utf-8') as f:
        for lineno, row in enumerate(csv.reader(f), 1):
            if not row or not any(c.strip() for c in row):
                continue
            if len(row) != 2:
                raise ValueError(f'{path}:{lineno}: expected 2 columns (video_id,timestamp), '
                                 f'got {len(row)}')
            try:
                out.add((row[0], int(row[1])))
            except ValueError:
                raise ValueError(f'{path}:{lineno}: timestamp is not an integer: '
                                 f'{row[1]!r}') from None
    return out


def _replay_heap(rows: np.ndarray, scores: np.ndarray, labels: np.ndarray, boxes: np.ndarray,
                 capacity: int) -> list[int]:
    """Replay the official heap for one keyframe; return kept row ids in official order.

    ``rows`` are row ids in file order. Equal tuples are interchangeable (identical content),
    so the kept tuples are mapped back to any row with that content.
    """
    entries: list[tuple[float, int, float, float, float, float]] = []
    by_content: dict[tuple[float, int, float, float, float, float], list[int]] = {}
    for r, s, a, b in zip(rows.tolist(), scores[rows].tolist(), labels[rows].tolist(),
                          boxes[rows].tolist()):
        tup = (s, a, b[0], b[1], b[2], b[3])
        by_content.setdefault(tup, []).append(r)
        if capacity < 1 or len(entries) < capacity:
            heapq.heappush(entries, tup)
        elif s > entries[0][0]:
            heapq.heapreplace(entries, tup)
    ordered = sorted(entries, key=lambda tup: -tup[0])
    return [by_content[tup].pop() for tup in ordered]


def read_ava_csv(path: str | os.PathLike[str], class_ids: set[int] | frozenset[int],
                 capacity: int = 0, check_gt_boxes: bool = False) -> AVACsv:
    """Read an AVA CSV (7 or 8 columns) like the official ``read_csv``.

    Args:
        path: CSV with ``video_id, timestamp, x1, y1, x2, y2, action_id[, score]`` rows.
        class_ids: the label-map whitelist; other class ids are dropped (counted, logged).
        capacity: the most rows kept per keyframe (50 for detections, 0 = no limit).
        check_gt_boxes: raise on ``x1 > x2`` or ``y1 > y2`` (the official evaluator crashes on
            such ground truth).

    Returns:
        AVACsv: rows in the official order.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: no such file')
    parsed = _parse_fast(path) or _parse_careful(path)
    in_map = np.isin(parsed.labels, np.fromiter(class_ids, dtype=np.int64))
    stats = Counter({'blank_lines': parsed.blank})
    unknown: dict[int, int] = {}
    if not in_map.all():
        ids, cnt = np.unique(parsed.labels[~in_map], return_counts=True)
        unknown = dict(zip(ids.tolist(), cnt.tolist()))
        stats['unknown_class'] = int(cnt.sum())
        logger.warning('%s: %d rows with class ids not in the label map were skipped (as the '
                       'official evaluator does): %s', path, int(cnt.sum()), unknown)
    keep_idx = np.flatnonzero(in_map)
    lines = parsed.lines[keep_idx]
    labels = parsed.labels[keep_idx]
    ts = parsed.ts[keep_idx]
    coords = parsed.coords[keep_idx]
    scores = parsed.scores[keep_idx]
    vid_code = parsed.vid_code[keep_idx]
    # official box order [y1, x1, y2, x2]
    boxes = coords[:, [1, 0, 3, 2]]
    if check_gt_boxes:
        inv = (boxes[:, 0] > boxes[:, 2]) | (boxes[:, 1] > boxes[:, 3])
        if inv.any():
            i = int(np.argmax(inv))
            raise ValueError(f'{path}:{lines[i]}: box has x1 > x2 or y1 > y2: '
                             f'{coords[i].tolist()}')
    oor = ((coords < 0) | (coords > 1)).any(axis=1)
    if oor.any():
        stats['out_of_range'] = int(oor.sum())
        logger.warning('%s: %d boxes have coordinates outside [0, 1] (first at line %d); they '
                       'are evaluated as given, like the official evaluator does.', path,
                       int(oor.sum()), int(lines[int(np.argmax(oor))]))

    # keyframes in order of first appearance
    n = int(keep_idx.size)
    vid_names = np.array(parsed.vid_names, dtype=object)
    ts_min = int(ts.min()) if n else 0
    span = int(ts.max()) - ts_min + 1 if n else 1
    comp = vid_code.astype(np.int64) * span + (ts - ts_min)
    _, first, inv_idx = np.unique(comp, return_index=True, return_inverse=True)
    rank_of_uniq = np.empty(first.size, dtype=np.int64)
    rank_of_uniq[np.argsort(first, kind='stable')] = np.arange(first.size)
    frame = rank_of_uniq[inv_idx.reshape(-1)]
    frame_first_row = np.sort(first)
    video_ids = (vid_names[vid_code[frame_first_row]].astype(str) if n
                 else np.empty(0, dtype=str))
    timestamps = ts[frame_first_row]

    # order inside each keyframe: by descending score, file order for ties
    order = np.lexsort((np.arange(n), -scores, frame))
    counts = np.bincount(frame, minlength=first.size)
    starts = np.cumsum(counts) - counts
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - np.repeat(starts, counts)
    kept = np.ones(n, dtype=bool) if capacity < 1 else rank < capacity
    replay = np.zeros(first.size, dtype=bool)
    if capacity >= 1:
        over = np.flatnonzero(counts > capacity)
        if over.size:
            s_last = scores[order[starts[over] + capacity - 1]]
            s_next = scores[order[starts[over] + capacity]]
            replay[over[s_last == s_next]] = True
    # same class and score twice among the kept rows of a keyframe: their order matters
    k_idx = np.flatnonzero(kept)
    o2 = k_idx[np.lexsort((scores[k_idx], labels[k_idx], frame[k_idx]))]
    dup = ((frame[o2][1:] == frame[o2][:-1]) & (labels[o2][1:] == labels[o2][:-1])
           & (scores[o2][1:] == scores[o2][:-1]))
    replay[frame[o2][1:][dup]] = True

    pos = rank.copy()
    if replay.any():
        rows_by_frame = np.split(np.arange(n)[np.argsort(frame, kind='stable')],
                                 np.cumsum(counts)[:-1])
        for f in np.flatnonzero(replay).tolist():
            rows = rows_by_frame[f]
            kept[rows] = False
            ordered = _replay_heap(rows, scores, labels, boxes, capacity)
            kept[ordered] = True
            pos[ordered] = np.arange(len(ordered))
    if capacity >= 1:
        dropped = int(n - kept.sum())
        if dropped:
            stats['over_capacity'] = dropped
            logger.info('%s: %d rows beyond %d per keyframe were dropped (official capacity).',
                        path, dropped, capacity)
    k_idx = np.flatnonzero(kept)
    final = k_idx[np.lexsort((pos[k_idx], frame[k_idx]))]
    return AVACsv(path=path, video_ids=video_ids, timestamps=timestamps, frame=frame[final],
                  boxes=boxes[final], labels=labels[final], scores=scores[final],
                  lines=lines[final], stats={k: int(v) for k, v in stats.items() if v},
                  unknown_classes=unknown)
