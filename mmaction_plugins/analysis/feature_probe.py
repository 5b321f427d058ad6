"""Linear probes of a trained STAD model's per-person features: where is a class group's evidence
lost — in the backbone's RoI feature, or in the head that turns it into the classifier input?

For every ground-truth person of a split, :func:`extract_person_features` keeps two vectors of a
trained FastRCNN-style model (any RoI head whose classifier is ``bbox_head.fc_cls``):

* ``roi`` — the person's RoI feature from the head's own extractor, averaged over time and
  max-pooled over space ``(P, C)``: what ``BBoxHeadAVA`` classifies in mmaction2's linear head;
* ``classifier`` — the input of ``bbox_head.fc_cls`` ``(P, F)`` (read by a forward pre-hook):
  what the head's classifier actually sees (``roi`` again for the linear head; the attention
  output for PCCA; ``[actor; relation]`` for ACAR ...);
* with ``context_scales``, ``context<s>x`` — the same pooling over the person box enlarged ``s``
  times about its centre (PCCA's context box, clipped to the image), and ``roi+context<s>x``,
  both concatenated: does a region around the person add evidence a linear read can use?
* with ``partner``, ``partner`` — the ``roi`` vector of the person's nearest other person in the
  same keyframe (:func:`nearest_partners`; zeros when alone), ``geometry`` — where that partner
  is (:data:`GEOMETRY`), and ``roi+partner`` — ``roi``, ``partner`` and ``geometry``
  concatenated: does a second actor's feature add evidence the person's own feature lacks (what
  an actor-actor relation head such as ACAR's HR2O can read)?

:func:`fit_probe` trains a logistic-regression probe (standardised features, full-batch AdamW,
sigmoid + BCE, one output per class; with ``hidden`` a one-hidden-layer ReLU network instead,
which can read interactions such as "the partner runs the same way") on the training persons;
:func:`probe_ap` scores a split per class with the official AVA arithmetic
(:func:`~mmaction_plugins.evaluation.voc_ap.average_precision_tf`) over persons. A group whose
validation AP is higher from ``roi`` than from ``classifier`` loses its evidence inside the head;
a group near chance from both never reached the backbone's features; a probe far better on its
training persons than on validation ones points to memorisation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ['GEOMETRY', 'PersonFeatures', 'extract_person_features', 'fit_probe',
           'nearest_partners', 'probe_ap']

GEOMETRY: tuple[str, ...] = ('dx', 'dy', 'log_h', 'present')
"""The ``geometry`` columns: the partner's bottom-centre minus the person's, in person heights
(``dx`` signed along x, ``dy`` along y), ``log(h_partner / h_person)``, and 1 when the person has
a partner (all four 0 otherwise)."""

# a partner on another ground line counts as this many times farther than the same distance
# along x: the synthetic benchmark's relations are between actors on one lane
_LANE_WEIGHT = 4.0


@dataclass
class PersonFeatures:
    """Per-person feature vectors of one split.

    Attributes:
        features: Feature name -> ``(P, F_name)`` float32 array (``roi``, ``classifier``, and
            ``context<s>x`` / ``roi+context<s>x`` per context scale).
        labels: ``(P, K)`` float32 multi-hot labels; column ``k`` is class id ``k`` (column 0 is
            mmaction2's background column).
    """

    features: dict[str, np.ndarray]
    labels: np.ndarray


def _pooled(feats: Any) -> np.ndarray:
    """``(N, C, T, S, S)`` RoI features -> ``(N, C)``: mean over time, max over space (what
    ``BBoxHeadAVA`` does before its classifier)."""
    return feats.mean(dim=2).amax(dim=(2, 3)).cpu().numpy()


def nearest_partners(boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each person's nearest other person among the boxes of one keyframe.

    Distance: between the boxes' bottom centres (where they stand), in the person's height, with
    the vertical offset weighted ``4x`` (another ground line is "farther" than the same distance
    along it). Degenerate boxes (height <= 0) count as 1 px high.

    Args:
        boxes: ``(P, 4)`` boxes ``x1, y1, x2, y2`` of one keyframe; ``P`` may be 0 or 1.

    Returns:
        ``(P,)`` int64 index of each person's partner (-1 when alone) and ``(P, 4)`` float32
        geometry (:data:`GEOMETRY`; zeros when alone).
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    n = len(boxes)
    h = np.maximum(boxes[:, 3] - boxes[:, 1], 1.0)
    foot = np.stack([(boxes[:, 0] + boxes[:, 2]) / 2, boxes[:, 3]], axis=1)
    d = (foot[None] - foot[:, None]) / h[:, None, None]  # (P, P, 2): partner - person
    dist = np.hypot(d[..., 0], _LANE_WEIGHT * d[..., 1])
    np.fill_diagonal(dist, np.inf)
    idx = np.full(n, -1, dtype=np.int64)
    geom = np.zeros((n, len(GEOMETRY)), dtype=np.float32)
    if n < 2:
        return idx, geom
    idx = dist.argmin(axis=1)
    rows = np.arange(n)
    geom[:, 0] = d[rows, idx, 0]
    geom[:, 1] = d[rows, idx, 1]
    geom[:, 2] = np.log(h[idx] / h)
    geom[:, 3] = 1.0
    return idx, geom


def _partner_features(roi: np.ndarray, rois: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(N, C)`` pooled RoI features and ``(N, 5)`` rois of one batch -> each person's
    partner feature ``(N, C)`` (zeros when alone) and geometry ``(N, 4)``."""
    partner = np.zeros_like(roi)
    geom = np.zeros((len(roi), len(GEOMETRY)), dtype=np.float32)
    for b in np.unique(rois[:, 0]):
        members = np.flatnonzero(rois[:, 0] == b)
        idx, g = nearest_partners(rois[members, 1:])
        has = idx >= 0
        partner[members[has]] = roi[members[idx[has]]]
        geom[members] = g
    return partner, geom


def extract_person_features(model: Any, dataset: Any, batch_size: int = 8,
                            context_scales: Sequence[float] = (), partner: bool = False,
                            progress: Callable[[int], None] | None = None) -> PersonFeatures:
    """Features of every ground-truth person of ``dataset`` under ``model`` (eval mode).

    Args:
        model: A built FastRCNN-style STAD model (``extract_feat``, ``roi_head`` with
            ``bbox_roi_extractor``, ``_bbox_forward`` and ``bbox_head.fc_cls``), weights loaded.
        dataset: An mmaction dataset whose samples carry ``gt_instances`` (boxes, multi-hot
            labels), e.g. ``STADDataset`` with the test pipeline.
        batch_size: Clips per forward pass.
        context_scales: Context-box enlargements to pool as well (see the module docstring).
        partner: Also keep the nearest other person's ``roi`` vector and its geometry.
        progress: Called with the number of clips done after each batch.

    Returns:
        :class:`PersonFeatures` in dataset order (persons of a clip in box order).

    Raises:
        ValueError: the head has no ``bbox_head.fc_cls`` to read the classifier input from.
    """
    import torch
    from mmdet.structures.bbox import bbox2roi

    from mmaction_plugins.models.roi_heads.pcca_head import context_rois

    head = model.roi_head
    fc = getattr(getattr(head, 'bbox_head', None), 'fc_cls', None)
    if fc is None:
        raise ValueError(f'{type(head).__name__} has no bbox_head.fc_cls: no classifier input '
                         'to probe')
    seen: list[torch.Tensor] = []
    handle = fc.register_forward_pre_hook(lambda _m, args: seen.append(args[0].detach()))
    roi, clf, labels, partners, geoms = [], [], [], [], []
    context: dict[float, list[np.ndarray]] = {float(sc): [] for sc in context_scales}
    model.eval()
    try:
        with torch.no_grad():
            for start in range(0, len(dataset), batch_size):
                samples = [dataset[i] for i in range(start, min(start + batch_size, len(dataset)))]
                data = model.data_preprocessor(
                    {'inputs': [s['inputs'] for s in samples],
                     'data_samples': [s['data_samples'] for s in samples]}, False)
                metas = [s.metainfo for s in data['data_samples']]
                rois = bbox2roi([s.gt_instances.bboxes for s in data['data_samples']])
                x = model.extract_feat(data['inputs'])
                feats = head.bbox_roi_extractor(x, rois)[0]  # (N, C, T, S, S)
                roi.append(_pooled(feats))
                if partner:
                    pf, g = _partner_features(roi[-1], rois.cpu().numpy())
                    partners.append(pf)
                    geoms.append(g)
                shapes = [tuple(m['img_shape'][:2]) for m in metas]
                for sc, out in context.items():
                    ctx = head.bbox_roi_extractor(x, context_rois(rois, shapes, sc))[0]
                    out.append(_pooled(ctx))
                seen.clear()
                head._bbox_forward(x, rois, metas)
                if rois.shape[0]:
                    clf.append(seen[-1].flatten(1).cpu().numpy())
                labels.append(torch.cat([s.gt_instances.labels for s in data['data_samples']])
                              .float().cpu().numpy())
                if progress is not None:
                    progress(len(samples))
    finally:
        handle.remove()
    k = labels[0].shape[1] if labels else 0
    features = {'roi': np.concatenate(roi).astype(np.float32),
                'classifier': (np.concatenate(clf).astype(np.float32) if clf
                               else np.zeros((0, fc.in_features), np.float32))}
    for sc, out in context.items():
        features[f'context{sc:g}x'] = np.concatenate(out).astype(np.float32)
        features[f'roi+context{sc:g}x'] = np.concatenate(
            [features['roi'], features[f'context{sc:g}x']], axis=1)
    if partner:
        features['partner'] = np.concatenate(partners).astype(np.float32)
        features['geometry'] = np.concatenate(geoms).astype(np.float32)
        features['roi+partner'] = np.concatenate(
            [features['roi'], features['partner'], features['geometry']], axis=1)
    return PersonFeatures(features=features, labels=np.concatenate(labels).astype(np.float32)
                          if labels else np.zeros((0, k), np.float32))


def fit_probe(train_x: np.ndarray, train_y: np.ndarray, *eval_x: np.ndarray,
              epochs: int = 300, lr: float = 1e-2, weight_decay: float = 1e-4,
              seed: int = 0, hidden: int = 0) -> list[np.ndarray]:
    """A logistic-regression probe (or, with ``hidden``, a one-hidden-layer network) fitted on
    ``(train_x, train_y)``; its scores on every array of ``eval_x``.

    Features are standardised with the training mean and std (constant columns stay 0); one
    linear layer, or ``Linear(F, hidden) -> ReLU -> Linear(hidden, K)``; sigmoid + BCE;
    full-batch AdamW for ``epochs`` steps.

    Args:
        train_x: ``(P, F)`` training features.
        train_y: ``(P, K)`` multi-hot training labels.
        eval_x: ``(P_i, F)`` arrays to score.
        hidden: Hidden units of the probe; 0 is the logistic regression.

    Returns:
        ``(P_i, K)`` sigmoid scores per array of ``eval_x``.
    """
    import torch

    if train_x.ndim != 2 or train_y.ndim != 2 or len(train_x) != len(train_y):
        raise ValueError(f'expected (P, F) features and (P, K) labels, got {train_x.shape} and '
                         f'{train_y.shape}')
    gen = torch.Generator().manual_seed(seed)
    x = torch.as_tensor(train_x, dtype=torch.float32)
    y = torch.as_tensor(train_y, dtype=torch.float32)
    mean, std = x.mean(0), x.std(0) + 1e-6
    if hidden > 0:
        first = torch.nn.Linear(x.shape[1], hidden)
        with torch.no_grad():
            first.weight.normal_(0.0, (2.0 / x.shape[1]) ** 0.5, generator=gen)
            first.bias.zero_()
        out = torch.nn.Linear(hidden, y.shape[1])
        lin: torch.nn.Module = torch.nn.Sequential(first, torch.nn.ReLU(), out)
    else:
        lin = out = torch.nn.Linear(x.shape[1], y.shape[1])
    with torch.no_grad():
        out.weight.normal_(0.0, 0.01, generator=gen)
        out.bias.zero_()
    opt = torch.optim.AdamW(lin.parameters(), lr=lr, weight_decay=weight_decay)
    xs = (x - mean) / std
    for _ in range(epochs):
        opt.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(lin(xs), y).backward()
        opt.step()
    with torch.no_grad():
        return [torch.sigmoid(lin((torch.as_tensor(e, dtype=torch.float32) - mean) / std))
                .numpy() for e in eval_x]


def probe_ap(scores: np.ndarray, labels: np.ndarray, class_names: Mapping[int, str]
             ) -> dict[str, float]:
    """Per-class AP over persons (class name -> AP in percent; NaN for a class without a
    positive person), with the official AVA arithmetic."""
    from mmaction_plugins.evaluation.voc_ap import average_precision_tf

    out = {}
    for k, name in class_names.items():
        pos = labels[:, k] > 0
        out[name] = (100 * average_precision_tf(scores[:, k].astype(np.float64), pos,
                                                int(pos.sum())) if pos.any() else float('nan'))
    return out
