"""The committed base-chain probe, end to end on the tiny preset (one seed, one epoch, every
variant, training fit on one video); the variants' configs carry their change; a re-run trains
and predicts nothing again; ``--heads`` adds a head's rows and its paired gain over linear."""

from __future__ import annotations

import json
import os
import os.path as osp

import pytest

from tests.conftest import REPO, run_tool

pytestmark = pytest.mark.slow


def test_base_chain_probe_runs_and_resumes(synthetic_tiny, tmp_path):
    root, _ = synthetic_tiny
    data = tmp_path / 'data'
    data.mkdir()
    os.symlink(root, data / 'tiny-s0')  # the script reads <data-root>/<preset>-s<seed>
    work = tmp_path / 'work'
    args = ['tools/analysis/base_chain_probe.py', '--preset', 'tiny', '--seeds', '0',
            '--data-root', str(data), '--work-dir', str(work), '--epochs', '1',
            '--train-cache', str(tmp_path / 'train_cache'), '--fit-videos', '1']
    run_tool(args, env={'OMP_NUM_THREADS': '1'})
    md = (work / 'ablation.md').read_text()
    for text in ('| base |', '| wide |', '| hires |', '| adamw |', '| adamw-fast4 |',
                 '| stride8 |', '| stride8-lr2x |', '| chance (val class prevalence) |',
                 'wide − base', 'stride8-lr2x − stride8',
                 'hires − base', '**One edit at a time', 'stride8 − adamw-fast4',
                 '**Above chance', '**Training fit: the same AP on the first 1 training videos'):
        assert text in md
    seed = json.loads((work / 'ablation.json').read_text())['per_seed']['0']
    assert set(seed) >= {'base', 'wide', 'hires', 'adamw', 'adamw-fast4', 'stride8', '_chance'}
    assert set(seed['_fit']) == {'base', 'wide', 'hires', 'adamw', 'adamw-fast4', 'stride8',
                                 'stride8-lr2x'}
    assert '**Head against the linear head' not in md  # linear only by default
    assert 0 <= seed['_fit']['base']['pose'] <= 100
    assert 0 <= seed['hires']['motion'] <= 100 and 'walk' in seed['base']['per_class']
    from mmengine.config import Config

    wide = Config.fromfile(str(work / 'seed0' / 'wide' / 'config.py'))
    assert (wide.model.backbone.slow_pathway.base_channels,
            wide.model.backbone.fast_pathway.base_channels,
            wide.model.roi_head.bbox_head.in_channels) == (16, 4, 160)
    hires = Config.fromfile(str(work / 'seed0' / 'hires' / 'config.py'))
    train = {t['type']: t for t in hires.train_dataloader.dataset.pipeline}
    assert tuple(train['RandomRescale']['scale_range']) == (128, 160)
    assert train['RandomCrop']['size'] == 128
    for loader in ('val_dataloader', 'test_dataloader'):
        test = {t['type']: t for t in hires[loader].dataset.pipeline}
        assert tuple(test['Resize']['scale']) == (-1, 128)
    adamw = Config.fromfile(str(work / 'seed0' / 'adamw' / 'config.py'))
    assert adamw.optim_wrapper.optimizer.type == 'AdamW'
    fast4 = Config.fromfile(str(work / 'seed0' / 'adamw-fast4' / 'config.py'))
    assert (fast4.optim_wrapper.optimizer.type, fast4.model.backbone.channel_ratio,
            fast4.model.backbone.fast_pathway.base_channels,
            fast4.model.roi_head.bbox_head.in_channels) == ('AdamW', 2, 4, 96)
    # every variant is an edit of the chain up to e0dc1d4 (SGD, fast 2, stride 16); stride8 is
    # the current chain, adamw-fast4 the one before it (stride 16: featmap_stride left unset)
    base = Config.fromfile(str(work / 'seed0' / 'base' / 'config.py'))
    assert (base.optim_wrapper.optimizer.type, base.optim_wrapper.optimizer.lr,
            base.model.backbone.channel_ratio, base.model.backbone.fast_pathway.base_channels,
            base.model.roi_head.bbox_head.in_channels) == ('SGD', 0.05, 4, 2, 80)
    for cfg in (base, fast4):
        assert cfg.model.backbone.slow_pathway.spatial_strides == (1, 2, 2, 1)
        assert cfg.model.backbone.fast_pathway.spatial_strides == (1, 2, 2, 1)
        assert 'featmap_stride' not in cfg.model.roi_head.bbox_roi_extractor
    chain = Config.fromfile(osp.join(REPO, 'configs/baseline/'
                                     'slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py'))
    stride8 = Config.fromfile(str(work / 'seed0' / 'stride8' / 'config.py'))
    assert stride8.model.backbone.slow_pathway.spatial_strides == (1, 2, 1, 1)
    assert stride8.model.backbone.fast_pathway.spatial_strides == (1, 2, 1, 1)
    assert stride8.model.roi_head.bbox_roi_extractor.featmap_stride == 8
    assert stride8.model.backbone.to_dict() == chain.model.backbone.to_dict()
    assert stride8.model.roi_head.to_dict() == chain.model.roi_head.to_dict()
    assert stride8.optim_wrapper.to_dict() == chain.optim_wrapper.to_dict()
    lr2x = Config.fromfile(str(work / 'seed0' / 'stride8-lr2x' / 'config.py'))
    assert lr2x.optim_wrapper.optimizer.lr == 2 * chain.optim_wrapper.optimizer.lr
    assert lr2x.model.to_dict() == stride8.model.to_dict()
    # adamw-fast4 is stride8 but for the stride
    fast4.model.backbone.slow_pathway.spatial_strides = (1, 2, 1, 1)
    fast4.model.backbone.fast_pathway.spatial_strides = (1, 2, 1, 1)
    fast4.model.roi_head.bbox_roi_extractor.featmap_stride = 8
    assert fast4.model.to_dict() == stride8.model.to_dict()
    stamp = {p: osp.getmtime(p) for p in (*work.rglob('*.pth'), *work.rglob('*.npz'))}
    proc = run_tool(args, env={'OMP_NUM_THREADS': '1'})
    assert proc.stdout.count('not retrained') == 7
    assert stamp == {p: osp.getmtime(p) for p in (*work.rglob('*.pth'), *work.rglob('*.npz'))}

    # --heads: the PCCA head on two variants, paired against their linear rows (reused)
    heads = [*args[:-2], '--variants', 'base', 'adamw', 'stride8', '--heads', 'linear', 'pcca',
             '--head-variants', 'base', 'stride8']
    proc = run_tool(heads, env={'OMP_NUM_THREADS': '1'})
    assert proc.stdout.count('not retrained') == 3  # the linear rows
    md = (work / 'ablation.md').read_text()
    for text in ('| base+pcca |', '| stride8+pcca |', 'base+pcca − base',
                 'stride8+pcca − stride8', '**Head against the linear head'):
        assert text in md
    assert '| adamw+pcca |' not in md and not (work / 'seed0' / 'adamw+pcca').exists()
    seed = json.loads((work / 'ablation.json').read_text())['per_seed']['0']
    assert 0 <= seed['stride8+pcca']['context'] <= 100
    pcca = Config.fromfile(str(work / 'seed0' / 'base+pcca' / 'config.py'))
    assert pcca.model.roi_head.type == 'mmaction.PCCARoIHead'
    # the previous chain's 80 input channels reach the cross-attention, not the bbox head
    assert (pcca.model.roi_head.cross_attention.in_channels,
            pcca.model.roi_head.bbox_head.in_channels,
            pcca.optim_wrapper.optimizer.type) == (80, 96, 'SGD')
    pcca8 = Config.fromfile(str(work / 'seed0' / 'stride8+pcca' / 'config.py'))
    assert pcca8.model.backbone.to_dict() == Config.fromfile(
        str(work / 'seed0' / 'stride8' / 'config.py')).model.backbone.to_dict()
    assert pcca8.model.roi_head.bbox_roi_extractor.featmap_stride == 8


def test_base_chain_probe_learning_curve(synthetic_tiny, tmp_path):
    """``--curve``: a row is also scored at earlier epochs of its own training; a row taken from
    the training cache (last checkpoint only) is left out of the curve, with a message."""
    root, _ = synthetic_tiny
    data = tmp_path / 'data'
    data.mkdir()
    os.symlink(root, data / 'tiny-s0')
    args = ['tools/analysis/base_chain_probe.py', '--preset', 'tiny', '--seeds', '0',
            '--data-root', str(data), '--epochs', '2', '--variants', 'stride8', '--curve', '1',
            '--train-cache', str(tmp_path / 'train_cache')]
    work = tmp_path / 'work'
    run_tool([*args, '--work-dir', str(work)], env={'OMP_NUM_THREADS': '1'})
    md = (work / 'ablation.md').read_text()
    assert '**Learning curve' in md and '| stride8 @ 1 |' in md and '| stride8 @ 2 |' in md
    seed = json.loads((work / 'ablation.json').read_text())['per_seed']['0']
    assert set(seed['_curve']['stride8']) == {'1'}
    assert 0 <= seed['_curve']['stride8']['1']['motion'] <= 100
    assert (work / 'seed0' / 'stride8' / 'val_predictions_epoch1.npz').is_file()
    # the same training again, from the cache: only epoch_2.pth, so no curve row
    cached = tmp_path / 'cached'
    proc = run_tool([*args, '--work-dir', str(cached)], env={'OMP_NUM_THREADS': '1'})
    assert 'training cache' in proc.stdout and 'left out of the learning curve' in proc.stdout
    assert '**Learning curve' not in (cached / 'ablation.md').read_text()
