"""Part-state network: attention over a variable number of visible parts (absent ones masked),
the action embedding acting only through its category input, every Table 3 switch, the
recognizer's loss and its predictions in frame part order."""

from __future__ import annotations

import itertools

import pytest
import torch

import mmaction_plugins  # noqa: F401
from mmaction_plugins.models.part_state.part_attention import masked_attention

NUM_STATES = (2, 3, 3, 2, 2, 2)
P = len(NUM_STATES)


def _build(cfg: dict):
    from mmaction.registry import MODELS

    return MODELS.build(cfg)


def _attention(**kw):
    torch.manual_seed(0)
    return _build(dict(type='PartTokenAttention', embed_dims=16, num_heads=4, **kw)).eval()


def _absent() -> torch.Tensor:
    """Four persons: all parts visible, two absent, one visible, none visible."""
    absent = torch.zeros(4, P, dtype=torch.bool)
    absent[1, [1, 4]] = True
    absent[2, 1:] = True
    absent[3] = True
    return absent


def test_masked_attention_gives_absent_keys_zero_weight():
    torch.manual_seed(0)
    q, k, v = (torch.randn(4, 2, P, 8) for _ in range(3))
    out, w = masked_attention(q, k, v, _absent())
    absent = _absent()
    assert (w[absent[:, None, None, :].expand_as(w)] == 0).all()
    torch.testing.assert_close(w[:3].sum(-1), torch.ones(3, 2, P))
    assert (w[3] == 0).all() and (out[3] == 0).all() and torch.isfinite(out).all()


@pytest.mark.parametrize('num_layers', [1, 2])
def test_attention_over_visible_parts_equals_attention_over_them_alone(num_layers):
    attn = _attention(num_layers=num_layers)
    torch.manual_seed(1)
    tokens = torch.randn(4, P, 16)
    absent = _absent()
    with torch.no_grad():
        out = attn(tokens, absent)
        assert torch.isfinite(out).all()
        for b in range(3):  # every person with at least one visible part
            keep = ~absent[b]
            alone = attn(tokens[b:b + 1, keep], torch.zeros(1, int(keep.sum()), dtype=torch.bool))
            torch.testing.assert_close(out[b, keep], alone[0])
        # what absent tokens hold never reaches the visible ones
        changed = tokens.clone()
        changed[absent] = 100 * torch.randn(int(absent.sum()), 16)
        out2 = attn(changed, absent)
        torch.testing.assert_close(out2[~absent], out[~absent])
        # nor does the rest of the batch
        torch.testing.assert_close(attn(tokens[1:2], absent[1:2])[0], out[1])
    assert attn.last_weights.shape == (1, 4, P, P)  # of the last call (one person)


def test_attention_checks_its_arguments():
    attn = _attention()
    with pytest.raises(ValueError, match=r'tokens must be \(B, P, 16\)'):
        attn(torch.randn(2, P, 8), torch.zeros(2, P, dtype=torch.bool))
    with pytest.raises(ValueError, match='absent must be a bool'):
        attn(torch.randn(2, P, 16), torch.zeros(2, P))
    with pytest.raises(ValueError, match='num_heads'):
        _build(dict(type='PartTokenAttention', embed_dims=16, num_heads=3))


HEAD = dict(type='PartStateHead', num_states=NUM_STATES, mid_channels=8, body_channels=12,
            part_feat_stride=4, embed_dims=16, num_categories=5, dropout=0.0,
            attention=dict(num_heads=4, num_layers=1, dropout=0.0))


def _inputs(b: int = 4, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    mid = torch.randn(b, 8, 8, 8, generator=g)
    body = torch.randn(b, 12, 2, 2, generator=g)
    xy = torch.rand(b, P, 2, generator=g) * 20
    boxes = torch.cat([xy, xy + 2 + torch.rand(b, P, 2, generator=g) * 10], -1)
    valid = ~_absent()[:b] if b <= 4 else torch.ones(b, P, dtype=torch.bool)
    category = torch.arange(b) % 5
    return mid, body, boxes, valid, category


def _head(**kw):
    torch.manual_seed(0)
    return _build(dict(HEAD, **kw)).eval()


@pytest.mark.parametrize('roi, body, action, attention, fusion',
                         [(*f, 'concat') for f in itertools.product([False, True], repeat=4)]
                         + [(True, True, True, True, 'add')])
def test_every_table3_switch_builds_and_runs(roi, body, action, attention, fusion):
    head = _head(with_roi_pool=roi, with_body_feat=body, with_action=action,
                 with_attention=attention, action_fusion=fusion)
    assert hasattr(head, 'roi_align') == roi and hasattr(head, 'attention') == attention
    assert hasattr(head, 'action_embed') == action
    assert head.with_body_feat == (body or not roi)  # without RoI the body feature is the part
    logits = head(*_inputs())
    assert [tuple(lg.shape) for lg in logits] == [(4, s) for s in NUM_STATES]
    assert all(torch.isfinite(lg).all() for lg in logits)


def test_action_embedding_acts_only_through_its_category_input():
    head = _head()
    mid, body, boxes, valid, category = _inputs()
    with torch.no_grad():
        base = head(mid, body, boxes, valid, category)
        # another category for person 0 changes person 0's states ...
        other = category.clone()
        other[0] = (category[0] + 1) % 5
        moved = head(mid, body, boxes, valid, other)
        assert not torch.allclose(moved[0][0], base[0][0])
        # ... and nobody else's
        for lg_m, lg_b in zip(moved, base):
            torch.testing.assert_close(lg_m[1:], lg_b[1:])
        # the table rows of categories not fed in play no part
        unused = sorted(set(range(5)) - set(category.tolist()))
        head.action_embed.weight[unused] = 1e3
        for lg_m, lg_b in zip(head(mid, body, boxes, valid, category), base):
            torch.testing.assert_close(lg_m, lg_b)
    # gradients reach only the rows of the categories in the batch
    head.train()
    states = torch.stack([torch.randint(s, (4,)) for s in NUM_STATES], 1)
    head.loss(head(mid, body, boxes, valid, category), states)['loss_state'].backward()
    grad = head.action_embed.weight.grad
    used = set(category.tolist())
    assert all((grad[c].abs().sum() > 0) == (c in used) for c in range(5))


def test_without_action_info_the_category_is_ignored():
    head = _head(with_action=False)
    mid, body, boxes, valid, category = _inputs()
    assert not any('action' in n for n, _ in head.named_parameters())
    with torch.no_grad():
        a = head(mid, body, boxes, valid, category)
        b = head(mid, body, boxes, valid, (category + 2) % 5)
        c = head(mid, body, boxes, valid, None)
    for x, y, z in zip(a, b, c):
        torch.testing.assert_close(x, y)
        torch.testing.assert_close(x, z)


def test_absent_parts_do_not_reach_visible_parts_through_roi_and_attention():
    head = _head()
    mid, body, boxes, valid, category = _inputs()
    moved = boxes.clone()
    moved[~valid] = torch.tensor([0.0, 0.0, 30.0, 30.0])  # absent parts' boxes: anything
    # per part k: the logits of persons for whom part k is visible are unchanged
    with torch.no_grad():
        la = head(mid, body, boxes, valid, category)
        lb = head(mid, body, moved, valid, category)
    for k in range(P):
        keep = valid[:, k]
        torch.testing.assert_close(la[k][keep], lb[k][keep])


def test_head_checks_its_arguments():
    head = _head()
    mid, body, boxes, valid, category = _inputs()
    with pytest.raises(ValueError, match=r'sample 2: category 7 outside 0\.\.4'):
        head(mid, body, boxes, valid, torch.tensor([0, 1, 7, 2]))
    with pytest.raises(ValueError, match='with_action needs category'):
        head(mid, body, boxes, valid, None)
    with pytest.raises(ValueError, match='part_boxes must be'):
        head(mid, body, boxes[:, :3], valid, category)
    with pytest.raises(ValueError, match='num_categories'):
        _build(dict(HEAD, num_categories=0))
    with pytest.raises(ValueError, match='action_fusion'):
        _build(dict(HEAD, action_fusion='mul'))


def test_loss_counts_known_visible_parts_only():
    head = _head().train()
    mid, body, boxes, valid, category = _inputs()
    logits = head(mid, body, boxes, valid, category)
    states = torch.stack([torch.randint(s, (4,)) for s in NUM_STATES], 1)
    states[~valid] = -1
    out = head.loss(logits, states)
    manual, n = 0.0, 0
    for k, lg in enumerate(logits):
        keep = states[:, k] >= 0
        manual = manual + torch.nn.functional.cross_entropy(lg[keep], states[keep, k],
                                                            reduction='sum')
        n += int(keep.sum())
    torch.testing.assert_close(out['loss_state'], manual / n)
    nothing = head.loss(logits, torch.full_like(states, -1))
    assert nothing['loss_state'] == 0
    nothing['loss_state'].backward()  # still a graph: a batch without labels does not crash


def _recognizer():
    from mmengine.config import Config

    from tests.conftest import REPO

    cfg = Config.fromfile(f'{REPO}/configs/kinetics_tps/'
                          'part-state-mha_swin-w16_1xb32-12e_synthetic-tps.py')
    torch.manual_seed(0)
    return _build(cfg.model).eval(), cfg


def _samples(order: torch.Tensor, b: int = 2):
    from mmaction.structures import ActionDataSample

    g = torch.Generator().manual_seed(0)
    out = []
    for i in range(b):
        s = ActionDataSample()
        xy = torch.rand(10, 2, generator=g) * 40
        s.set_field(torch.cat([xy, xy + 8], 1), 'part_boxes')
        s.set_field(torch.ones(10, dtype=torch.bool), 'part_valid')
        s.set_field(torch.zeros(10, dtype=torch.long), 'part_states')
        s.set_field(order.clone(), 'part_order')
        s.set_field(torch.tensor(i), 'category')
        out.append(s)
    return out


def test_recognizer_predicts_in_frame_part_order():
    model, cfg = _recognizer()
    inputs = torch.rand(2, 3, 64, 64) * 255
    perm = torch.tensor([0, 1, 3, 2, 5, 4, 7, 6, 9, 8])  # a flipped input: left/right swapped
    with torch.no_grad():
        batch = model.data_preprocessor(dict(inputs=list(inputs), data_samples=_samples(perm)))
        logits = model(batch['inputs'], batch['data_samples'], mode='tensor')
        preds = model(batch['inputs'], batch['data_samples'], mode='predict')
    for slot, lg in enumerate(logits):
        frame_part = int(perm[slot])
        for i, pred in enumerate(preds):
            s = lg.shape[1]
            torch.testing.assert_close(pred.pred_part_scores[frame_part, :s], lg[i].softmax(0))
            assert (pred.pred_part_scores[frame_part, s:] == 0).all()
            assert int(pred.pred_part_states[frame_part]) == int(lg[i].argmax())
    model.train()
    losses = model(batch['inputs'], batch['data_samples'], mode='loss')
    assert set(losses) == {'loss_state', 'acc_state'} and torch.isfinite(losses['loss_state'])
    with pytest.raises(ValueError, match='needs data_samples'):
        model(batch['inputs'], None, mode='predict')
