"""Kinetics-TPS stage one: ground-truth human proposals of every annotated frame, and the
command line's argument checks (the detector path runs in ``tests/test_tps_e2e.py``)."""

from __future__ import annotations

import os.path as osp

import numpy as np
import pytest

from mmaction_plugins.datasets.proposals import validate_proposals
from mmaction_plugins.datasets.tps import load_tps_split, load_tps_vocabulary, tps_frame_key
from mmaction_plugins.engine.tps_stage_one import gt_human_proposals, main


def test_ground_truth_humans_as_relative_proposals(synthetic_tiny):
    root, _ = synthetic_tiny
    vocab = load_tps_vocabulary(osp.join(root, 'tps', 'part_states.json'),
                                osp.join(root, 'tps', 'categories.txt'))
    videos = load_tps_split(osp.join(root, 'tps', 'val_list.txt'),
                            osp.join(root, 'tps', 'annotations', 'val'), vocab)
    props = validate_proposals(gt_human_proposals(videos), 'gt humans')
    assert len(props) == sum(len(v.frames) for v in videos)  # frames without people included
    v = videos[0]
    fr = next(f for f in v.frames if f.persons)
    got = props[tps_frame_key(v.video_id, fr.frame)]
    want = np.array([p.box for p in fr.persons]) / [v.width, v.height, v.width, v.height]
    np.testing.assert_allclose(got[:, :4], want, rtol=0, atol=1e-12)
    assert (got[:, 4] == 1).all()
    empty = next((f for f in v.frames if not f.persons), None)
    if empty is not None:
        assert props[tps_frame_key(v.video_id, empty.frame)].shape == (0, 5)


def test_command_line_needs_a_human_source(tmp_path):
    base = ['--root', str(tmp_path), '--out', str(tmp_path / 'p.npz'), '--part-config', 'c.py',
            '--part-checkpoint', 'c.pth']
    with pytest.raises(SystemExit):
        main(base)  # neither --human-config nor --gt-humans
    with pytest.raises(SystemExit):
        main([*base, '--human-config', 'h.py'])  # no --human-checkpoint
