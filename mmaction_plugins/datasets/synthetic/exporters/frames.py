"""Frame sinks: AVA raw-frame folders (JPEG) and MultiSports videos (MPEG-4 Part 2 in .mp4).

Both write to a temporary name beside the target and rename it into place when the video is
complete, so a reader never sees a half-written video (frames are not fsynced one by one: the
rename is the commit point).
"""

from __future__ import annotations

import os
import os.path as osp
import shutil

import cv2
import numpy as np

__all__ = ['FrameDirWriter', 'Mp4Writer', 'JPEG_QUALITY']

# Full-resolution chroma (4:4:4): with the default 4:2:0 subsampling the colour of an object a
# few pixels outside a person box bleeds into the box crop (16x16 chroma blocks), which leaks
# context classes into single-box appearance.
JPEG_QUALITY = 90


class FrameDirWriter:
    """Write ``img_00001.jpg``, ``img_00002.jpg``, ... into ``directory``.

    Args:
        directory: Final folder (replaced if it exists).
    """

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self._tmp = directory + '.partial'
        if osp.isdir(self._tmp):
            shutil.rmtree(self._tmp)
        os.makedirs(self._tmp)
        self._count = 0

    def write(self, frame: np.ndarray) -> None:
        """Append one BGR frame."""
        ok, buf = cv2.imencode('.jpg', frame, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY,
                                               cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
                                               cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444])
        if not ok:
            raise OSError(f'{self.directory}: JPEG encoding failed')
        self._count += 1
        with open(osp.join(self._tmp, f'img_{self._count:05d}.jpg'), 'wb') as f:
            f.write(buf.tobytes())

    def close(self) -> int:
        """Move the folder into place; returns the number of frames."""
        if osp.isdir(self.directory):
            shutil.rmtree(self.directory)
        os.replace(self._tmp, self.directory)
        return self._count


class Mp4Writer:
    """Write an ``.mp4`` (OpenCV ``mp4v``; decord and OpenCV read it).

    Args:
        path: Final file path.
        fps: Frame rate.
        size: (width, height).
    """

    def __init__(self, path: str, fps: int, size: tuple[int, int]) -> None:
        self.path = path
        os.makedirs(osp.dirname(path), exist_ok=True)
        self._tmp = path + '.partial.mp4'
        self._writer = cv2.VideoWriter(self._tmp, cv2.VideoWriter.fourcc(*'mp4v'), fps, size)
        if not self._writer.isOpened():
            raise OSError(f'{path}: OpenCV cannot write mp4v video')
        self._count = 0

    def write(self, frame: np.ndarray) -> None:
        """Append one BGR frame."""
        self._writer.write(frame)
        self._count += 1

    def close(self) -> int:
        """Finish the file and move it into place; returns the number of frames."""
        self._writer.release()
        os.replace(self._tmp, self.path)
        return self._count
