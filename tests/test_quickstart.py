"""The quick start (README main job) end to end on the ``tiny`` preset: the same pipeline and
schedules as on ``small``, only smaller data and one MultiSports video."""

from __future__ import annotations

import json
import os.path as osp

import pytest

from tests.conftest import run_tool

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def quickstart(tmp_path_factory):
    root = tmp_path_factory.mktemp('quickstart')
    args = ['tools/quickstart.py', '--preset', 'tiny', '--seed', '0', '--ms-videos', '1',
            '--data', str(root / 'data'), '--work-dir', str(root / 'work')]
    first = run_tool(args, timeout=1800)
    return root, args, first


def test_metrics_and_summary(quickstart):
    root, _, first = quickstart
    with open(root / 'work' / 'metrics.json') as f:
        m = json.load(f)  # strict JSON: NaN is written as null
    assert 'quick start' in first.stdout and 'frame-mAP@0.5' in first.stdout
    assert 0 <= m['detector']['AP@0.5'] <= 1 and 0 <= m['detector']['AR@100'] <= 1
    assert 0 <= m['ava']['frame_mAP@0.5'] <= 1
    assert len(m['ava']['per_class']) == 19
    for k in ('frameAP@0.5', 'videoAP@0.2', 'videoAP@0.5', 'videoAP@0.1:0.9'):
        assert m['multisports'][k] is None or 0 <= m['multisports'][k] <= 100
    assert len(m['multisports']['videos']) == 1
    assert set(m['seconds']) >= {'data', 'detector', 'proposals', 'action', 'multisports',
                                 'total'}
    # the proposals the action model trained on load in our dataset's loader
    from mmaction_plugins.datasets.proposals import load_proposals

    props = load_proposals(str(root / 'work' / 'proposals' / 'ava_proposals_val.json'))
    assert all(v.shape[1] == 5 and (v[:, 4] >= 0.6).all() for v in props.values())


def test_annotated_video_and_chart(quickstart):
    import cv2
    import matplotlib.image as mpimg

    root, _, _ = quickstart
    with open(root / 'work' / 'metrics.json') as f:
        outputs = json.load(f)['outputs']
    cap = cv2.VideoCapture(outputs['annotated_video'])
    n, shape = 0, None
    while True:
        ok, img = cap.read()
        if not ok:
            break
        n, shape = n + 1, img.shape
    assert n == 360 and shape == (144 * 3, 192 * 3, 3)  # tiny: 12 s at 30 fps, drawn 3x
    from tests.conftest import SHARED_DATA

    if osp.isfile(osp.join(SHARED_DATA, 'videos', 'people.mp4')):  # the real clip, full length
        cap = cv2.VideoCapture(outputs['annotated_real_video'])
        assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 300
    png = mpimg.imread(outputs['ap_chart'])
    assert png.ndim == 3 and png[..., :3].std() > 0.05


def test_rerun_skips_finished_steps(quickstart):
    root, args, _ = quickstart
    again = run_tool(args, timeout=600)
    assert 'not regenerated' in again.stdout
    assert 'not retrained' in again.stdout and 'proposals exist' in again.stdout


def test_refuses_other_preset_in_data_folder(quickstart, tmp_path):
    import subprocess
    import sys

    from tests.conftest import REPO

    root, _, _ = quickstart
    proc = subprocess.run([sys.executable, 'tools/quickstart.py', '--preset', 'small',
                           '--data', str(root / 'data'), '--work-dir', str(tmp_path)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0 and "holds preset 'tiny'" in proc.stderr
    assert osp.isfile(root / 'data' / 'manifest.json')
