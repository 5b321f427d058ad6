"""``tools/analysis/split_gap.py`` (``ava_rows.score_checkpoint`` on both splits): a step
folder's model scored on every keyframe of its training split and of validation."""

from __future__ import annotations

import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmaction_plugins.engine.runs import point_stad_config_at
from tests.conftest import REPO, load_tool

BASE = osp.join(REPO, 'configs/baseline/slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py')


def _keyframes(csv: str) -> set[tuple[str, int]]:
    with open(csv) as f:
        return {(r.split(',')[0], int(r.split(',')[1])) for r in f if r.strip()}


@pytest.mark.slow
def test_split_gap_scores_both_splits_of_a_step_folder(synthetic_tiny, tmp_path, capsys):
    from mmaction_plugins.analysis.ava_predictions import load_predictions
    from mmaction_plugins.apis import init_stad_model

    root, _ = synthetic_tiny
    step = tmp_path / 'short-term'
    cfg = point_stad_config_at(Config.fromfile(BASE), root, str(step))
    cfg.train_cfg.max_epochs = 2
    step.mkdir()
    cfg.dump(str(step / 'config.py'))
    torch.manual_seed(0)
    torch.save({'state_dict': init_stad_model(cfg, None).state_dict()}, step / 'epoch_2.pth')
    tool = load_tool('split_gap')
    assert tool.main([str(step), '--data', root, '--json', str(tmp_path / 'gap.json')]) == 0
    res = json.loads((tmp_path / 'gap.json').read_text())
    assert set(res) == {'train', 'val'}
    for split in ('train', 'val'):
        assert 0 <= res[split]['overall'] <= 100 and 'arm' in res[split]
        # every annotated, not excluded keyframe of that split was predicted, nothing else
        anno = osp.join(root, 'ava', 'annotations')
        want = _keyframes(osp.join(anno, f'ava_{split}.csv')) - _keyframes(
            osp.join(anno, f'ava_{split}_excluded_timestamps.csv'))
        assert want
        preds = load_predictions(str(step / f'{split}_predictions.npz'))
        assert set(zip(preds.video_ids.tolist(), preds.timestamps.tolist())) == want
    assert '| overall |' in capsys.readouterr().out
    with pytest.raises(FileNotFoundError, match='epoch_5.pth'):
        tool.split_gap(str(step), root, 'epoch_5.pth')
