"""The per-class score merger touches the selected classes only (every other column bit for bit
the main model's), in each mode; class selection by AP gain; errors."""

from __future__ import annotations

import numpy as np
import pytest

from mmaction_plugins.evaluation.class_score_merge import merge_class_scores, select_merge_classes

MAIN_IDS = [1, 2, 17, 18, 19]
ARM_IDS = [17, 18, 19]


def _scores(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(size=(7, 5)), rng.uniform(size=(7, 3))


@pytest.mark.parametrize('mode', ['mean', 'replace', 'max'])
def test_only_selected_classes_change(mode):
    main, arm = _scores()
    out = merge_class_scores(main, MAIN_IDS, arm, ARM_IDS, [18], mode=mode, weight=0.25)
    untouched = [0, 1, 2, 4]  # classes 1, 2, 17, 19
    assert np.array_equal(out[:, untouched], main[:, untouched])
    expected = {'mean': 0.75 * main[:, 3] + 0.25 * arm[:, 1], 'replace': arm[:, 1],
                'max': np.maximum(main[:, 3], arm[:, 1])}[mode]
    np.testing.assert_allclose(out[:, 3], expected)
    assert np.array_equal(main, _scores()[0])  # inputs are not modified


def test_nothing_selected_is_the_main_result_and_order_of_ids_counts():
    main, arm = _scores(1)
    assert np.array_equal(merge_class_scores(main, MAIN_IDS, arm, ARM_IDS, []), main)
    # the specialist's columns are matched by id, not by position
    rev = merge_class_scores(main, MAIN_IDS, arm[:, ::-1], ARM_IDS[::-1], [17], 'replace')
    np.testing.assert_allclose(rev[:, 2], arm[:, 0])


@pytest.mark.parametrize('kw,match', [
    (dict(classes=[2]), 'not scored by both'),
    (dict(classes=[17], mode='sum'), 'mode'),
    (dict(classes=[17], weight=1.5), 'weight'),
])
def test_bad_merges_raise(kw, match):
    main, arm = _scores()
    with pytest.raises(ValueError, match=match):
        merge_class_scores(main, MAIN_IDS, arm, ARM_IDS, **kw)


def test_misaligned_inputs_raise():
    main, arm = _scores()
    with pytest.raises(ValueError, match='same M boxes'):
        merge_class_scores(main, MAIN_IDS, arm[:3], ARM_IDS, [17])
    with pytest.raises(ValueError, match='unique class ids'):
        merge_class_scores(main, [1, 1, 17, 18, 19], arm, ARM_IDS, [17])


def test_select_classes_by_gain():
    ap_main = {17: 0.30, 18: 0.50, 19: float('nan'), 4: 0.1}
    ap_merged = {17: 0.35, 18: 0.50, 19: 0.9, 4: 0.9}
    assert select_merge_classes(ap_main, ap_merged, [17, 18, 19]) == [17]  # 4: not a candidate
    assert select_merge_classes(ap_main, ap_merged, [17, 18, 19], min_gain=0.1) == []
    assert select_merge_classes({17: None}, {17: 1.0}, [17]) == []
    assert select_merge_classes(ap_main, {}, [17]) == []
    with pytest.raises(ValueError, match='min_gain'):
        select_merge_classes(ap_main, ap_merged, [17], min_gain=-1)
