"""Run a trained STAD model (mmaction2 ``FastRCNN``-style detector) on frames held in memory.

The dataset path (``STADDataset`` + ``RawFrameDecode``/``DecordDecode``) reads frames from disk one
clip at a time; for a user's own video, the quick start and the annotated-video writer the frames
are decoded once and every clip is cut from the array. :func:`clip_pipeline` takes the config's
test pipeline and swaps the decoding steps for mmaction2's ``ArrayDecode``, so resizing, formatting
and packing stay exactly the config's.

Frame indexing follows mmaction2's MultiSports configs (``timestamp_start=1, start_index=0,
fps=1``): the clip of 0-based frame ``k`` is centred on ``k`` and clipped to the video, as
``SampleAVAFrames(test_mode=True)`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ['clip_pipeline', 'init_stad_model', 'predict_keyframes']

_DECODE_STEPS = {'RawFrameDecode', 'DecordDecode', 'DecordInit', 'OpenCVInit', 'OpenCVDecode',
                 'PyAVInit', 'PyAVDecode', 'ArrayDecode'}


def _short_type(step: Mapping[str, Any]) -> str:
    return str(step['type']).split('.')[-1]


def init_stad_model(config: str | Any, checkpoint: str | None, device: str = 'cpu') -> Any:
    """Build a STAD model from its config, load ``checkpoint`` (weights only) and set eval mode.

    Returns:
        The model, with the loaded ``Config`` as ``model.cfg``.
    """
    from mmaction.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint

    cfg = Config.fromfile(config) if isinstance(config, str) else config
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    model = MODELS.build(cfg.model)
    if checkpoint is not None:
        load_checkpoint(model, checkpoint, map_location='cpu')
    model.cfg = cfg
    return model.to(device).eval()


def _predict_batch(model: Any, batch: dict[str, list[Any]]) -> list[Any]:
    """``model.test_step`` for several clips: one backbone pass over the batch, then the RoI head
    per clip (mmaction2's ``AVARoIHead.predict`` accepts one clip at a time).

    Returns:
        list: per clip, the head's ``InstanceData`` (``bboxes`` (N, 4) relative, ``scores``
        (N, num_classes)).
    """
    data = model.data_preprocessor(batch, False)
    feats = model.extract_feat(data['inputs'])
    out = []
    for i, sample in enumerate(data['data_samples']):
        x = tuple(f[i:i + 1] for f in feats) if isinstance(feats, (tuple, list)) \
            else feats[i:i + 1]
        out.extend(model.roi_head.predict(x, [sample.proposals], [sample]))
    return out


def _predict_views(model: Any, batch: dict[str, list[Any]], views: Sequence[Any]) -> list[Any]:
    """:func:`_predict_batch` on every view of the batch, merged per clip."""
    from mmaction_plugins.models.tta import augment_sample, merge_view_predictions

    per_view = []
    for view in views:
        vb: dict[str, list[Any]] = {'inputs': [], 'data_samples': []}
        for inputs, sample in zip(batch['inputs'], batch['data_samples']):
            v_inputs, v_sample = augment_sample(inputs, sample, view)
            vb['inputs'].append(v_inputs)
            vb['data_samples'].append(v_sample)
        per_view.append(_predict_batch(model, vb))
    return [merge_view_predictions([pv[i] for pv in per_view], views, sample.proposals.bboxes,
                                   tuple(int(v) for v in inputs.shape[-2:]), sample.metainfo)
            for i, (inputs, sample) in enumerate(zip(batch['inputs'], batch['data_samples']))]


def clip_pipeline(cfg: Any) -> Any:
    """The test pipeline of ``cfg`` reading frames from ``results['array']``.

    Args:
        cfg: An mmengine ``Config`` whose ``test_dataloader.dataset.pipeline`` starts with
            ``SampleAVAFrames`` and a decoding step.

    Returns:
        mmcv ``Compose``: ``SampleAVAFrames`` → ``ArrayDecode`` → the config's remaining steps.

    Raises:
        ValueError: when the pipeline has no ``SampleAVAFrames`` step.
    """
    from mmaction.registry import TRANSFORMS
    from mmcv.transforms import Compose

    steps = [dict(s) for s in cfg.test_dataloader.dataset.pipeline]
    kinds = [_short_type(s) for s in steps]
    if 'SampleAVAFrames' not in kinds:
        raise ValueError(f'test pipeline {kinds} has no SampleAVAFrames step')
    out: list[dict] = []
    for step, kind in zip(steps, kinds):
        if kind in _DECODE_STEPS:
            if not any(_short_type(s) == 'ArrayDecode' for s in out):
                out.append(dict(type='ArrayDecode'))
            continue
        out.append(step)
    return Compose([TRANSFORMS.build(s) for s in out])


def predict_keyframes(model: Any, pipeline: Any, frames: np.ndarray, keyframes: Sequence[int],
                      proposals: Mapping[int, np.ndarray], num_classes: int,
                      batch_size: int = 8, progress: Callable[[int], None] | None = None,
                      views: Sequence[Any] | None = None
                      ) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Action scores of the proposals at each keyframe.

    Args:
        model: A built mmaction2 STAD model in eval mode (``FastRCNN`` with an ``AVARoIHead``).
        pipeline: From :func:`clip_pipeline` with the model's config.
        frames: ``(T, H, W, 3)`` uint8 RGB frames of one video (mmaction2's decoders give RGB).
        keyframes: 0-based frame indices to predict.
        proposals: 0-based frame index → ``(N, 4|5)`` boxes relative to the frame
            (``x1, y1, x2, y2[, score]``). Keyframes without a proposal entry or with ``N = 0``
            are skipped (no prediction), unlike mmaction2's whole-frame fallback.
        num_classes: Columns of the model's score output (``bbox_head.num_classes``).
        batch_size: Clips per backbone pass (the RoI head still runs clip by clip).
        progress: Called with the number of keyframes done after every batch.
        views: Test-time views (:class:`~mmaction_plugins.models.tta.TTAView`, e.g.
            ``tta_views([None, 1.25])``): every view of the batch goes through the backbone at
            once, boxes are mapped back exactly and the per-person scores averaged
            (:func:`~mmaction_plugins.models.tta.merge_view_predictions`). None: the plain input.

    Returns:
        dict: keyframe → ``(boxes (N, 4) relative, scores (N, num_classes) float32)``, boxes as
        the model returns them (the proposals, in its input order).
    """
    import torch

    t, h, w = frames.shape[:3]
    scale = np.array([w, h, w, h], dtype=np.float32)
    todo: list[int] = []
    for k in keyframes:
        boxes = proposals.get(int(k))
        if boxes is None or len(boxes) == 0:
            continue
        if not 0 <= k < t:
            raise IndexError(f'keyframe {k} outside the video (0..{t - 1})')
        todo.append(int(k))
    out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for start in range(0, len(todo), batch_size):
        chunk = todo[start:start + batch_size]
        batch: dict[str, list[Any]] = {'inputs': [], 'data_samples': []}
        for k in chunk:
            data = pipeline(dict(
                array=frames, modality='RGB', fps=1, timestamp=k + 1, timestamp_start=1,
                start_index=0, shot_info=(0, t), img_key=f'frame,{k:04d}', video_id='frame',
                proposals=np.asarray(proposals[k], dtype=np.float32)[:, :4] * scale,
                gt_bboxes=np.zeros((0, 4), dtype=np.float32),
                gt_labels=np.zeros((0, num_classes), dtype=np.float32)))
            batch['inputs'].append(data['inputs'])
            batch['data_samples'].append(data['data_samples'])
        with torch.no_grad():
            insts = (_predict_batch(model, batch) if views is None
                     else _predict_views(model, batch, views))
        for k, inst in zip(chunk, insts):
            out[k] = (inst.bboxes.cpu().numpy().astype(np.float64),
                      inst.scores.cpu().numpy().astype(np.float32))
        if progress is not None:
            progress(len(chunk))
    return out
