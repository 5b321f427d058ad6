"""Write a video with person boxes, track ids and the top actions (with scores) of each person."""

from __future__ import annotations

import os
import os.path as osp
import tempfile
from collections.abc import Mapping, Sequence

import numpy as np

__all__ = ['draw_frame', 'write_annotated_video']

_PALETTE = [(230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48),
            (145, 30, 180), (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212)]


def draw_frame(frame: np.ndarray, boxes: np.ndarray, track_ids: Sequence[int],
               scores: np.ndarray | None, class_names: Mapping[int, str], top_k: int = 3,
               score_thr: float = 0.3, upscale: int = 1) -> np.ndarray:
    """Draw one frame.

    Args:
        frame: ``(H, W, 3)`` uint8 RGB.
        boxes: ``(N, 4)`` boxes relative to the frame.
        track_ids: ``(N,)`` track id per box.
        scores: ``(N, C)`` action scores (column = class index) or ``None`` (boxes only).
        class_names: class index → name; only these columns are shown.
        top_k: Most actions listed per person.
        score_thr: Smallest score listed.
        upscale: Integer factor the frame is enlarged by (nearest) before drawing, so labels
            stay legible on small frames.

    Returns:
        np.ndarray: ``(H * upscale, W * upscale, 3)`` uint8 RGB.
    """
    import cv2

    img = np.ascontiguousarray(
        np.repeat(np.repeat(frame, upscale, axis=0), upscale, axis=1) if upscale > 1 else frame)
    h, w = img.shape[:2]
    cols = np.array(sorted(class_names), dtype=np.int64)
    for i, box in enumerate(np.asarray(boxes, dtype=np.float64).reshape(-1, 4)):
        x1, y1, x2, y2 = (box * np.array([w, h, w, h])).round().astype(int)
        color = _PALETTE[int(track_ids[i]) % len(_PALETTE)]
        cv2.rectangle(img, (x1, y1), (x2, y2), color, 2)
        lines = [f'#{int(track_ids[i])}']
        if scores is not None and len(cols):
            s = np.asarray(scores[i])[cols]
            for j in np.argsort(-s, kind='stable')[:top_k]:
                if s[j] >= score_thr:
                    lines.append(f'{class_names[int(cols[j])]} {s[j]:.2f}')
        for k, text in enumerate(lines):
            org = (max(x1 + 2, 0), max(y1 + 12 + 12 * k, 12))
            cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, 0.38, (0, 0, 0), 3, cv2.LINE_AA)
            cv2.putText(img, text, org, cv2.FONT_HERSHEY_SIMPLEX, 0.38, color, 1, cv2.LINE_AA)
    return img


def write_annotated_video(path: str, frames: np.ndarray, boxes: Mapping[int, np.ndarray],
                          track_ids: Mapping[int, Sequence[int]],
                          scores: Mapping[int, np.ndarray], class_names: Mapping[int, str],
                          fps: float = 30.0, upscale: int = 3, top_k: int = 3,
                          score_thr: float = 0.3) -> str:
    """Encode ``frames`` with their annotations to ``path`` (mp4v), atomically.

    Args:
        path: Output ``.mp4``.
        frames: ``(T, H, W, 3)`` uint8 RGB.
        boxes: 0-based frame → ``(N, 4)`` relative boxes (frames absent: drawn bare).
        track_ids: frame → ``(N,)`` ids of those boxes.
        scores: frame → ``(N, C)`` action scores (absent: boxes and ids only).
        class_names, top_k, score_thr, upscale: see :func:`draw_frame`.
        fps: Frame rate of the output.

    Returns:
        str: ``path``.

    Raises:
        RuntimeError: when OpenCV cannot open a writer for ``path``.
    """
    import cv2

    t, h, w = frames.shape[:3]
    out_dir = osp.dirname(osp.abspath(path))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix='.mp4', dir=out_dir)
    os.close(fd)
    writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*'mp4v'), fps, (w * upscale, h * upscale))
    if not writer.isOpened():
        os.unlink(tmp)
        raise RuntimeError(f'{path}: OpenCV could not open an mp4v writer')
    try:
        for k in range(t):
            b = boxes.get(k, np.zeros((0, 4)))
            img = draw_frame(frames[k], np.asarray(b)[:, :4] if len(b) else np.zeros((0, 4)),
                             track_ids.get(k, []), scores.get(k), class_names, top_k=top_k,
                             score_thr=score_thr, upscale=upscale)
            writer.write(cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    finally:
        writer.release()
    os.replace(tmp, path)
    return path
