"""Shared video decoding: frames of a real clip, clear errors on bad files."""

from __future__ import annotations

import os.path as osp

import pytest

from mmaction_plugins.utils.video import iter_video_frames
from tests.conftest import needs_shared


@needs_shared
def test_real_clip_all_frames(shared_data):
    frames = list(iter_video_frames(osp.join(shared_data, 'videos', 'people.mp4')))
    assert len(frames) == 300 and frames[0].shape == (240, 426, 3)


def test_unreadable_files_name_the_path(tmp_path):
    with pytest.raises(OSError, match='missing.mp4'):
        list(iter_video_frames(str(tmp_path / 'missing.mp4')))
    bad = tmp_path / 'bad.mp4'
    bad.write_bytes(b'not a video')
    with pytest.raises(OSError, match='bad.mp4'):
        list(iter_video_frames(str(bad)))
