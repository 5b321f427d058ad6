"""The shared-backbone checkpoint: only the backbone's tensors, loadable by a model with another
head (which keeps its own initialisation), and a clear error for a checkpoint without any."""

from __future__ import annotations

import pytest
import torch

from mmaction_plugins.engine.backbone_checkpoint import extract_backbone


def _checkpoint(path, state):
    torch.save({'state_dict': state, 'meta': {'epoch': 3}}, path)
    return str(path)


def test_only_backbone_tensors_are_kept(tmp_path):
    state = {'backbone.conv.weight': torch.randn(4, 3), 'backbone.bn.running_mean': torch.zeros(4),
             'roi_head.bbox_head.fc_cls.weight': torch.randn(5, 4),
             'roi_head.bbox_head.fc_cls.bias': torch.zeros(5)}
    src = _checkpoint(tmp_path / 'epoch_3.pth', state)
    out = tmp_path / 'backbone.pth'
    assert extract_backbone(src, str(out)) == 2
    loaded = torch.load(out, weights_only=True)
    assert set(loaded['state_dict']) == {'backbone.conv.weight', 'backbone.bn.running_mean'}
    torch.testing.assert_close(loaded['state_dict']['backbone.conv.weight'],
                               state['backbone.conv.weight'])
    assert loaded['meta']['source'] == src
    assert not list(tmp_path.glob('*.tmp*'))  # written atomically, nothing left behind


def test_a_model_with_another_head_loads_the_backbone_and_keeps_its_head(tmp_path):
    from mmengine.runner.checkpoint import load_checkpoint

    class Model(torch.nn.Module):
        def __init__(self, classes):
            super().__init__()
            self.backbone = torch.nn.Linear(3, 4)
            self.head = torch.nn.Linear(4, classes)

    trained = Model(5)
    src = _checkpoint(tmp_path / 'trained.pth', trained.state_dict())
    extract_backbone(src, str(tmp_path / 'backbone.pth'))
    fresh = Model(7)  # another head: another shape, not loaded
    head_before = fresh.head.weight.clone()
    load_checkpoint(fresh, str(tmp_path / 'backbone.pth'), strict=False)
    torch.testing.assert_close(fresh.backbone.weight, trained.backbone.weight)
    torch.testing.assert_close(fresh.head.weight, head_before)


def test_a_checkpoint_without_backbone_is_refused_by_name(tmp_path):
    src = _checkpoint(tmp_path / 'head_only.pth', {'roi_head.fc.weight': torch.zeros(2)})
    with pytest.raises(ValueError, match='head_only.pth: no state_dict entry'):
        extract_backbone(src, str(tmp_path / 'out.pth'))
    assert not (tmp_path / 'out.pth').exists()
