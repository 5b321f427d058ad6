"""The compatibility repairs of :mod:`mmaction_plugins.compat`, each checked on the real stack."""

from __future__ import annotations

import io
import pickle

import numpy as np
import pytest
import torch

import mmaction_plugins  # noqa: F401  (applies the repairs)
from mmaction_plugins import compat


def test_mmaction_models_imports_with_drn_standin():
    import mmaction.models  # noqa: F401  (raises ModuleNotFoundError without the repair)
    from mmaction.models.localizers import DRN

    with pytest.raises(compat.MissingUpstreamModule, match='mmaction2#2714|issues/2714'):
        DRN()


def test_drn_patch_is_idempotent():
    first = compat.patch_missing_drn()
    assert compat.patch_missing_drn() == first


def test_upstream_registrations_present():
    compat.check_registrations()


def test_openmmlab_stack_imports():
    import mmdet.models  # noqa: F401
    import mmpose.apis  # noqa: F401


def test_mmcv_ops_run_on_cpu():
    from mmcv.ops import RoIAlign, nms

    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 10., 10.], [20., 20., 30., 30.]])
    dets, keep = nms(boxes, torch.tensor([0.9, 0.8, 0.7]), iou_threshold=0.5)
    assert keep.tolist() == [0, 2]
    feat = torch.arange(64, dtype=torch.float32).reshape(1, 1, 8, 8)
    out = RoIAlign((2, 2), spatial_scale=1.0, sampling_ratio=1, aligned=False)(
        feat, torch.tensor([[0., 0., 0., 4., 4.]]))
    assert out.shape == (1, 1, 2, 2)
    assert torch.isfinite(out).all()


def test_numpy_pin():
    compat.check_numpy()
    assert int(np.__version__.split('.')[0]) < 2


def _mmengine_like_checkpoint() -> dict:
    from mmengine.logging import HistoryBuffer

    buf = HistoryBuffer()
    buf.update(0.5)
    return {
        'meta': {'epoch': 1, 'seed': np.int64(3), 'hist': np.arange(3, dtype=np.float32)},
        'state_dict': {'w': torch.ones(2)},
        'message_hub': {'log_scalars': {'train/loss': buf}},
    }


def test_weights_only_load_of_mmengine_types():
    f = io.BytesIO()
    torch.save(_mmengine_like_checkpoint(), f)
    f.seek(0)
    ckpt = torch.load(f, weights_only=True)
    assert ckpt['message_hub']['log_scalars']['train/loss'].current() == 0.5
    assert ckpt['meta']['hist'].tolist() == [0.0, 1.0, 2.0]


class _Evil:
    def __reduce__(self):
        return (print, ('pwned',))


def test_weights_only_still_refuses_arbitrary_callables():
    f = io.BytesIO()
    torch.save({'x': _Evil()}, f)
    f.seek(0)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(f, weights_only=True)


def test_weights_only_getattr_is_restricted_to_history_buffer():
    import operator

    from mmaction_plugins.compat import _history_buffer_getattr

    class Probe:
        def __reduce__(self):
            # what a malicious checkpoint would try: getattr(<allowed class>, <anything>)
            return (getattr, (np.ndarray, 'tofile'))

    f = io.BytesIO()
    torch.save({'x': Probe()}, f)
    f.seek(0)
    with pytest.raises(pickle.UnpicklingError, match='refusing getattr'):
        torch.load(f, weights_only=True)
    with pytest.raises(pickle.UnpicklingError):
        _history_buffer_getattr(operator, 'attrgetter')
