"""SharedHeadChain: the heads applied in order with the same feat / rois / metas, built through
the registry (prefixes select our heads over mmdet's of the same name), output width."""

from __future__ import annotations

import pytest
import torch

import mmaction_plugins  # noqa: F401
from mmaction_plugins.models.roi_heads import GlobalContextHead, SharedHeadChain


def _build(cfg: dict):
    from mmaction.registry import MODELS

    return MODELS.build(cfg)


def test_chain_applies_heads_in_order():
    torch.manual_seed(0)
    chain = _build(dict(type='SharedHeadChain', heads=[
        dict(type='mmaction.GlobalContextHead', in_channels=4, global_channels=3),
        dict(type='mmaction.GlobalContextHead', in_channels=7, global_channels=2)]))
    assert isinstance(chain, SharedHeadChain)
    assert all(isinstance(h, GlobalContextHead) for h in chain.heads)
    # the second head sees the first one's output: 4 + 3 = 7 channels, doubled for its split
    x = torch.randn(3, 8, 2, 2, 2)
    first = chain.heads[0](x)
    assert first.shape == (3, 7, 2, 2, 2)
    seen = []

    class Spy(torch.nn.Module):
        def forward(self, x, feat=None, rois=None, img_metas=None):
            seen.append((x.shape, feat, rois, img_metas))
            return torch.cat([x, x], dim=1)

    chain.heads = torch.nn.ModuleList([chain.heads[0], Spy(), chain.heads[1]])
    rois, metas = torch.zeros(3, 5), [{'img_key': 'v,0902'}]
    out = chain(x, feat='F', rois=rois, img_metas=metas)
    assert seen == [((3, 7, 2, 2, 2), 'F', rois, metas)]
    torch.testing.assert_close(out, chain.heads[2](torch.cat([first, first], dim=1)))
    assert out.shape == (3, 9, 2, 2, 2)


def test_prefix_selects_the_registry_and_empty_chain_fails():
    from mmengine.registry import DefaultScope

    with DefaultScope.overwrite_default_scope('mmdet'):  # as inside FastRCNN
        chain = _build(dict(type='mmaction.SharedHeadChain', heads=[
            dict(type='mmaction.GlobalContextHead', in_channels=4)]))
    assert isinstance(chain.heads[0], GlobalContextHead)
    with pytest.raises(ValueError, match='at least one'):
        SharedHeadChain([])


def test_named_heads_apply_in_order_survive_a_config_dump_and_merge_by_name(tmp_path):
    from mmengine.config import Config

    listed = [dict(type='mmaction.GlobalContextHead', in_channels=4, global_channels=3),
              dict(type='mmaction.GlobalContextHead', in_channels=7, global_channels=2)]
    torch.manual_seed(0)
    by_list = _build(dict(type='SharedHeadChain', heads=listed))
    # names that sort against the order they are applied in
    named = dict(type='SharedHeadChain', order=['zz_first', 'aa_second'],
                 heads=dict(zz_first=listed[0], aa_second=listed[1]))
    torch.manual_seed(0)
    by_name = _build(named)
    assert by_list.state_dict().keys() == by_name.state_dict().keys()
    for k, v in by_list.state_dict().items():
        torch.testing.assert_close(v, by_name.state_dict()[k])
    # the order survives mmengine's dump (which sorts keys) and a leaf override by name
    cfg = Config(dict(model=named))
    cfg.merge_from_dict(dict(model=dict(heads=dict(aa_second=dict(global_channels=5)))))
    cfg.dump(str(tmp_path / 'config.py'))
    chain = _build(Config.fromfile(str(tmp_path / 'config.py')).model)
    assert [(h.in_channels, h.global_channels) for h in chain.heads] == [(4, 3), (7, 5)]
    with pytest.raises(ValueError, match='at least one'):
        SharedHeadChain({}, order=[])
    with pytest.raises(ValueError, match='must name each'):
        SharedHeadChain(named['heads'])
    with pytest.raises(ValueError, match='must name each'):
        SharedHeadChain(named['heads'], order=['zz_first'])
    with pytest.raises(ValueError, match='not a list'):
        SharedHeadChain(listed, order=['a', 'b'])
