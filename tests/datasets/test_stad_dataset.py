"""STADDataset: reads what AVADataset reads, loads proposals safely, and names bad rows."""

from __future__ import annotations

import os.path as osp
import shutil

import numpy as np
import pytest

import mmaction_plugins  # noqa: F401
from mmaction_plugins.datasets import STADDataset
from tests.conftest import needs_shared


def _ava(fixtures_dir: str, **kw) -> STADDataset:
    ann = osp.join(fixtures_dir, 'ava', 'annotations')
    args = dict(ann_file=osp.join(ann, 'ava_train.csv'), pipeline=[],
                label_file=osp.join(ann, 'action_list.pbtxt'),
                proposal_file=osp.join(ann, 'proposals.pkl'),
                data_prefix=dict(img=osp.join(fixtures_dir, 'ava', 'rawframes')))
    args.update(kw)
    return STADDataset(**args)


@needs_shared
def test_matches_mmaction_avadataset(fixtures_dir):
    from mmaction.datasets import AVADataset

    ours = _ava(fixtures_dir)
    ann = osp.join(fixtures_dir, 'ava', 'annotations')
    theirs = AVADataset(ann_file=osp.join(ann, 'ava_train.csv'), pipeline=[],
                        label_file=osp.join(ann, 'action_list.pbtxt'),
                        proposal_file=osp.join(ann, 'proposals.pkl'),
                        data_prefix=dict(img=osp.join(fixtures_dir, 'ava', 'rawframes')))
    assert len(ours) == len(theirs) == 3
    for i in range(len(ours)):
        a, b = ours.get_data_info(i), theirs.get_data_info(i)
        assert a['img_key'] == b['img_key']
        np.testing.assert_allclose(a['proposals'], b['proposals'])
        np.testing.assert_array_equal(a['gt_labels'], b['gt_labels'])


@needs_shared
def test_exclusions_applied(fixtures_dir):
    ann = osp.join(fixtures_dir, 'ava', 'annotations')
    ds = _ava(fixtures_dir, exclude_file=osp.join(ann, 'ava_val_excluded.csv'))
    assert [ds.get_data_info(i)['img_key'] for i in range(len(ds))] == ['0f39OWEqJ24,0902']


@needs_shared
def test_unknown_label_is_counted_and_logged(fixtures_dir):
    import logging

    from mmengine.logging import MMLogger

    ann = osp.join(fixtures_dir, 'ava', 'annotations')
    # label 74 appears in the rows but not in the fixture's 4-class label map
    with open(osp.join(ann, 'ava_train.csv')) as f:
        assert sum(line.split(',')[6] == '74' for line in f) == 1
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    logger = MMLogger.get_current_instance()
    logger.addHandler(handler)
    try:
        ds = _ava(fixtures_dir)
    finally:
        logger.removeHandler(handler)
    assert len(ds) == 3
    warnings = [r.getMessage() for r in records if r.levelno == logging.WARNING]
    assert any('1 rows have labels absent' in w and '{74: 1}' in w for w in warnings), warnings


@needs_shared
@pytest.mark.parametrize('row, match', [
    ('0f39OWEqJ24,0902,0.1,0.1,0.5\n', r'ava_train\.csv:9: expected 8'),
    ('0f39OWEqJ24,09x2,0.1,0.1,0.5,0.5,12,0\n', r'ava_train\.csv:9: malformed'),
    ('0f39OWEqJ24,0902,0.1,0.1,1.5,0.5,12,0\n', r'ava_train\.csv:9: box'),
    ('0f39OWEqJ24,0902,0.1,0.1,0.5,0.5,81,0\n', r'ava_train\.csv:9: label 81 outside'),
])
def test_bad_row_names_file_and_line(fixtures_dir, tmp_path, row, match):
    ann = osp.join(fixtures_dir, 'ava', 'annotations')
    bad = tmp_path / 'ava_train.csv'
    shutil.copyfile(osp.join(ann, 'ava_train.csv'), bad)
    text = bad.read_text()
    bad.write_text(text if text.endswith('\n') else text + '\n')
    with open(bad, 'a') as f:
        f.write(row)
    with pytest.raises(ValueError, match=match):
        _ava(fixtures_dir, ann_file=str(bad))


@needs_shared
def test_empty_annotation_and_bad_exclusion(fixtures_dir, tmp_path):
    empty = tmp_path / 'empty.csv'
    empty.write_text('')
    with pytest.raises(ValueError, match='empty.csv: annotation file has no rows'):
        _ava(fixtures_dir, ann_file=str(empty))
    excl = tmp_path / 'excl.csv'
    excl.write_text('0f39OWEqJ24,0903\nnot-a-row\n')
    with pytest.raises(ValueError, match=r'excl\.csv:2'):
        _ava(fixtures_dir, exclude_file=str(excl))


@needs_shared
def test_multisports_layout(fixtures_dir):
    ann = osp.join(fixtures_dir, 'multisports', 'annotations')
    ds = STADDataset(ann_file=osp.join(ann, 'multisports_train.csv'), pipeline=[],
                     proposal_file=osp.join(ann, 'proposals.pkl'), num_classes=66,
                     data_prefix=dict(img=osp.join(fixtures_dir, 'multisports', 'trainval')),
                     timestamp_start=1, start_index=0, use_frames=False, fps=1)
    assert len(ds) == 9
    info = ds.get_data_info(0)
    assert info['filename'].endswith('.mp4') and osp.isfile(info['filename'])
    assert info['proposals'].shape[1] == 4
