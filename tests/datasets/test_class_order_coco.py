"""ClassOrderCocoDataset: a class list in another order than the file's categories (which mmdet
would silently turn into permuted class names) is refused with the file's name; the file's own
order loads, with label i = classes[i]."""

from __future__ import annotations

import json

import pytest

import mmaction_plugins  # noqa: F401  (registers the dataset)
from mmaction_plugins.datasets import ClassOrderCocoDataset


def _coco(tmp_path):
    path = tmp_path / 'parts.json'
    path.write_text(json.dumps(dict(
        images=[dict(id=1, file_name='a.jpg', width=40, height=40)],
        annotations=[dict(id=1, image_id=1, category_id=1, bbox=[1, 1, 10, 10], area=100,
                          iscrowd=0),
                     dict(id=2, image_id=1, category_id=2, bbox=[20, 20, 5, 5], area=25,
                          iscrowd=0)],
        categories=[dict(id=1, name='torso'), dict(id=2, name='head')])))
    return str(path)


def _dataset(path, classes):
    return ClassOrderCocoDataset(ann_file=path, metainfo=dict(classes=classes), pipeline=[],
                                 data_prefix=dict(img=''), test_mode=True)


def test_file_order_loads_with_labels_in_that_order(tmp_path):
    ds = _dataset(_coco(tmp_path), ('torso', 'head'))
    labels = {tuple(i['bbox']): i['bbox_label'] for i in ds.get_data_info(0)['instances']}
    assert labels == {(1.0, 1.0, 11.0, 11.0): 0, (20.0, 20.0, 25.0, 25.0): 1}


def test_other_order_or_missing_class_is_refused_naming_the_file(tmp_path):
    path = _coco(tmp_path)
    with pytest.raises(ValueError, match=r"parts\.json: metainfo classes \['head', 'torso'\] "
                                         r".*file's order, which is \['torso', 'head'\]"):
        _dataset(path, ('head', 'torso'))
    with pytest.raises(ValueError, match=r"parts\.json: .*\(missing: \['hand'\]\)"):
        _dataset(path, ('torso', 'hand', 'head'))
