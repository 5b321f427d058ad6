"""SpatioTemporalSelfAttention / SlowFastSelfAttentionLayer: built through the registry, shapes for
the slow (7x1x1) and fast (1x1x1) modules over every token set, what each kernel lets a position
see, the residual / SAGAN gamma, LayerNorm on / off / pre, and the errors for bad settings."""

from __future__ import annotations

import itertools

import pytest
import torch

import mmaction_plugins.models  # noqa: F401  (registers the modules)
from mmaction_plugins.models.roi_heads import (
    SlowFastSelfAttentionLayer,
    SpatioTemporalSelfAttention,
)

C, T, H, W = 12, 9, 3, 4


def _build(**kw) -> torch.nn.Module:
    from mmaction.registry import MODELS

    torch.manual_seed(0)
    return MODELS.build(dict(type='SpatioTemporalSelfAttention', in_channels=C, **kw)).eval()


def _layer(**kw) -> SlowFastSelfAttentionLayer:
    from mmaction.registry import MODELS

    torch.manual_seed(0)
    return MODELS.build(dict(type='SlowFastSelfAttentionLayer', in_channels=C, **kw)).eval()


def test_registered():
    from mmaction.registry import MODELS

    assert MODELS.get('SpatioTemporalSelfAttention') is SpatioTemporalSelfAttention
    assert MODELS.get('SlowFastSelfAttentionLayer') is SlowFastSelfAttentionLayer


@pytest.mark.parametrize('kernel,attend,heads,dims,batch',
                         list(itertools.product((1, 7, 3), ('thw', 'hw', 't'), (1, 2),
                                                (4, 8), (1, 2))))
def test_shapes_every_kernel_token_set_and_width(kernel, attend, heads, dims, batch):
    m = _build(embed_dims=dims, temporal_kernel=kernel, num_heads=heads, attend=attend,
               gamma_init=1.0)
    assert m.q_proj.kernel_size == (kernel, 1, 1) and m.q_proj.padding == (kernel // 2, 0, 0)
    assert m.q_proj.out_channels == dims and m.out_proj.out_channels == C
    x = torch.randn(batch, C, T, H, W)
    y = m(x)
    assert y.shape == x.shape and torch.isfinite(y).all()
    assert m(torch.zeros(0, C, T, H, W)).shape == (0, C, T, H, W)


def _dependence(m: torch.nn.Module, x: torch.Tensor, t: int, h: int, w: int) -> torch.Tensor:
    """(T, H, W) bool: which input positions the output at (t, h, w) depends on."""
    x = x.clone().requires_grad_(True)
    m(x)[0, :, t, h, w].sum().backward()
    return x.grad[0].abs().sum(dim=0) > 0


@pytest.mark.parametrize('kernel', [1, 7])
def test_temporal_kernel_decides_which_frames_a_frame_sees(kernel):
    """Per-frame attention ('hw'): the output at frame t reads frames t +- kernel // 2 only, all
    positions of them; the slow module (7) sees 3 frames either side, the fast one (1) none."""
    m = _build(embed_dims=8, temporal_kernel=kernel, attend='hw', gamma_init=1.0)
    dep = _dependence(m, torch.randn(1, C, T, H, W), t=4, h=1, w=2)
    r = kernel // 2
    frames = dep.any(dim=(1, 2))
    assert frames.tolist() == [abs(i - 4) <= r for i in range(T)]
    assert dep[4].all()  # every position of the frame itself


def test_joint_and_temporal_token_sets():
    x = torch.randn(1, C, T, H, W)
    joint = _dependence(_build(embed_dims=8, temporal_kernel=1, attend='thw', gamma_init=1.0),
                        x, 4, 1, 2)
    assert joint.all()  # one attention over every position of the clip
    temporal = _dependence(_build(embed_dims=8, temporal_kernel=1, attend='t', gamma_init=1.0),
                           x, 4, 1, 2)
    expected = torch.zeros(T, H, W, dtype=torch.bool)
    expected[:, 1, 2] = True  # the same position in every frame, nothing else
    assert torch.equal(temporal, expected)


def test_gamma_zero_adds_nothing_and_none_drops_the_scale():
    x = torch.randn(2, C, T, H, W)
    m = _build(embed_dims=8, temporal_kernel=7)  # SAGAN init: gamma = 0
    assert float(m.gamma.detach()) == 0.0 and torch.equal(m(x), torch.zeros_like(x))
    m2 = _build(embed_dims=8, gamma_init=None)
    assert m2.gamma is None and m2(x).abs().sum() > 0


def test_layer_is_a_residual_sum_of_slow_and_fast():
    x = torch.randn(2, C, T, H, W)
    layer = _layer(slow=dict(embed_dims=8, gamma_init=0.5), fast=dict(embed_dims=4,
                                                                     gamma_init=0.5))
    assert layer.slow.temporal_kernel == 7 and layer.fast.temporal_kernel == 1
    with torch.no_grad():
        torch.testing.assert_close(layer(x), x + layer.slow(x) + layer.fast(x))
    slow_only = _layer(slow=dict(embed_dims=8), fast=None)
    assert slow_only.fast is None and slow_only.slow is not None
    fast_only = _layer(slow=None, fast=dict(embed_dims=8))
    assert fast_only.slow is None and fast_only.fast.q_proj.kernel_size == (1, 1, 1)


def test_layernorm_on_off_and_before():
    x = 3 + 2 * torch.randn(2, C, T, H, W)
    spec = dict(slow=dict(embed_dims=8, gamma_init=0.7), fast=dict(embed_dims=8, gamma_init=0.7))
    off = _layer(**spec, norm=None)
    post = _layer(**spec, norm='post')
    pre = _layer(**spec, norm='pre')
    assert off.norm is None and isinstance(post.norm.norm, torch.nn.LayerNorm)
    with torch.no_grad():
        y_post = post(x)
        # post-norm: every position normalised over the channels (fresh affine: 1, 0)
        torch.testing.assert_close(y_post.mean(dim=1), torch.zeros(2, T, H, W), atol=1e-5,
                                   rtol=0)
        torch.testing.assert_close(y_post.var(dim=1, unbiased=False),
                                   torch.ones(2, T, H, W), atol=1e-3, rtol=0)
        y_off = off(x)
        assert (y_off.mean(dim=1) - 3).abs().mean() < 1.0  # not normalised
        # post = LN(off): same weights (same seed), the norm is the only difference
        torch.testing.assert_close(y_post, post.norm(y_off), atol=1e-5, rtol=1e-5)
        # pre-norm: the modules read LN(x), the residual keeps x itself
        h = pre.norm(x)
        torch.testing.assert_close(pre(x), x + pre.slow(h) + pre.fast(h))


@pytest.mark.parametrize('kw,match', [
    (dict(embed_dims=8, temporal_kernel=6), 'odd'),
    (dict(embed_dims=8, temporal_kernel=0), 'odd'),
    (dict(embed_dims=6, num_heads=4), 'divide'),
    (dict(embed_dims=8, attend='xy'), 'attend'),
    (dict(embed_dims=0), 'positive'),
    (dict(embed_dims=8, attn_drop=1.0), 'attn_drop'),
])
def test_bad_module_settings_raise(kw, match):
    with pytest.raises(ValueError, match=match):
        SpatioTemporalSelfAttention(in_channels=C, **kw)


def test_bad_inputs_and_layer_settings_raise():
    m = _build(embed_dims=8)
    with pytest.raises(ValueError, match='C=12'):
        m(torch.randn(1, C + 1, T, H, W))
    with pytest.raises(ValueError, match='C=12'):
        m(torch.randn(1, C, H, W))
    with pytest.raises(ValueError, match='neither'):
        SlowFastSelfAttentionLayer(in_channels=C)
    with pytest.raises(ValueError, match='norm'):
        SlowFastSelfAttentionLayer(in_channels=C, fast=dict(embed_dims=8), norm='batch')
    with pytest.raises(ValueError, match='in_channels'):
        SlowFastSelfAttentionLayer(in_channels=C, fast=dict(embed_dims=8, in_channels=C))
