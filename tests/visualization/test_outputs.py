"""Annotated video and AP chart: written atomically, readable, showing what they claim."""

from __future__ import annotations

import numpy as np

from mmaction_plugins.visualization import draw_frame, plot_class_ap, write_annotated_video

NAMES = {1: 'stand', 2: 'walk', 3: 'wave'}


def test_draw_frame_boxes_and_labels():
    frame = np.full((40, 60, 3), 255, np.uint8)
    img = draw_frame(frame, np.array([[0.1, 0.1, 0.9, 0.9]]), [0],
                     np.array([[0.0, 0.9, 0.1, 0.5]]), NAMES, upscale=3)
    assert img.shape == (120, 180, 3)
    assert (img[60, 17:20] != 255).any()  # the left box edge at x = 0.1 * 180
    assert (img == 255).all(axis=-1).mean() > 0.5  # the rest stays untouched
    plain = draw_frame(frame, np.zeros((0, 4)), [], None, NAMES)
    assert (plain == frame).all()


def test_annotated_video_round_trip(tmp_path):
    import cv2

    rng = np.random.default_rng(0)
    frames = rng.integers(0, 255, (12, 36, 48, 3), dtype=np.uint8)
    boxes = {k: np.array([[0.2, 0.2, 0.6, 0.9]]) for k in range(0, 12, 2)}
    ids = {k: [3] for k in boxes}
    scores = {0: np.array([[0.0, 0.8, 0.4, 0.2]])}
    path = write_annotated_video(str(tmp_path / 'v.mp4'), frames, boxes, ids, scores, NAMES,
                                 fps=6, upscale=2)
    cap = cv2.VideoCapture(path)
    n = 0
    while True:
        ok, img = cap.read()
        if not ok:
            break
        assert img.shape == (72, 96, 3)
        n += 1
    assert n == 12
    assert [p.name for p in tmp_path.iterdir()] == ['v.mp4']  # no temp file left


def test_ap_chart_png(tmp_path):
    import matplotlib.image as mpimg

    path = plot_class_ap(str(tmp_path / 'ap.png'),
                         {'AVA': {'stand': 0.9, 'walk': float('nan'), 'wave': 0.1},
                          'MultiSports': {'stand': 0.5, 'walk': 0.2, 'wave': 0.0}},
                         {'stand': 'pose', 'walk': 'motion'}, title='t')
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 500
    assert img[..., :3].std() > 0.05  # not blank

