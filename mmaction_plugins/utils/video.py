"""Video decoding shared by the tools that read clips frame by frame."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

__all__ = ['iter_video_frames']


def iter_video_frames(path: str) -> Iterator[np.ndarray]:
    """Yield every frame of a video with OpenCV (BGR, H x W x 3 uint8).

    Raises:
        OSError: naming ``path`` when the video cannot be opened or holds no frame.
    """
    import cv2

    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        raise OSError(f'{path}: cannot open video')
    n = 0
    try:
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            n += 1
            yield frame
    finally:
        cap.release()
    if n == 0:
        raise OSError(f'{path}: no frames decoded')
