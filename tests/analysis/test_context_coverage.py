"""The context-box coverage of the synthetic benchmark: no context object's centre lies inside
the person box itself (the labelling rule keeps it beside), every one lies inside a box scaled far
enough, and the share grows with the scale."""

from __future__ import annotations

from mmaction_plugins.analysis.context_coverage import context_box_coverage


def test_context_box_coverage_bounds_and_order():
    r = context_box_coverage('tiny', 0, scales=(1.0, 2.0, 3.0, 4.0, 100.0))
    cov = r['coverage']
    assert r['labels'] > 0 and 0.2 < r['median_box_aspect'] < 1.0
    assert cov[1.0] == 0.0  # objects stand >= CONTEXT_GAP px beside the box
    assert cov[100.0] == 1.0  # and within half a standing height of it
    assert cov[1.0] <= cov[2.0] <= cov[3.0] <= cov[4.0] <= cov[100.0]
    assert 0.0 < cov[2.0] < 1.0
