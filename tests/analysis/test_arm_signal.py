"""The arm-evidence sizes of the synthetic benchmark: every size scales with the input's short
side, the arms' wrists move relative to their shoulders while no-arm labels' mostly do not, and
raising an arm moves the wrist further than pointing."""

from __future__ import annotations

import pytest

from mmaction_plugins.analysis.arm_signal import arm_signal_size


def test_arm_signal_scales_and_separates():
    small = arm_signal_size('tiny', 0, short_side=64, frame_step=3)
    large = arm_signal_size('tiny', 0, short_side=144, frame_step=3)
    assert list(small) == ['wave', 'point', 'raise arm', 'no arm class']
    for name, v in small.items():
        assert v['labels'] == large[name]['labels'] > 0
        for key in ('box_height', 'upper_arm_width', 'wrist_travel', 'wrist_travel_p90'):
            assert v[key] == pytest.approx(large[name][key] * 64 / 144)
        assert v['forearm_width'] <= v['upper_arm_width']
    # tiny frames are 192 x 144: a 64-px input shows a 1-px-thinner forearm under one pixel
    assert small['wave']['forearm_width'] < 1.0
    rest = small['no arm class']['wrist_travel']
    assert all(small[c]['wrist_travel'] > rest + 1.0 for c in ('wave', 'point', 'raise arm'))
    assert small['raise arm']['wrist_travel'] > small['point']['wrist_travel']
