"""The ablation scripts' shared CLI: common arguments, the README block writer."""

from __future__ import annotations

import pytest

from mmaction_plugins.analysis.ablation_cli import (
    README_END,
    README_START,
    ablation_parser,
    update_readme,
)


def test_common_arguments():
    args = ablation_parser('Doc line.\n\nMore.', 'work_dirs/x').parse_args([])
    assert (args.preset, args.seeds, args.data_root, args.work_dir, args.train_cache,
            args.readme) == ('full', [0, 1, 2], 'data/synthetic', 'work_dirs/x',
                             'work_dirs/train_cache', None)


def test_update_readme_replaces_only_the_block(tmp_path):
    path = tmp_path / 'README.md'
    path.write_text(f'# T\n\nintro\n{README_START}\nold\n{README_END}\n\nafter\n')
    update_readme(str(path), '| a | b |\n', 'python tools/analysis/x.py --seeds 0')
    text = path.read_text()
    assert text.startswith('# T\n\nintro\n') and text.endswith('\n\nafter\n')
    assert 'old' not in text and '| a | b |' in text
    assert 'Written by `python tools/analysis/x.py --seeds 0`.' in text
    update_readme(str(path), 'new\n', 'cmd')  # again: still one block
    assert path.read_text().count(README_START) == 1 and 'new' in path.read_text()
    (tmp_path / 'none.md').write_text('no block\n')
    with pytest.raises(ValueError, match='none.md: no'):
        update_readme(str(tmp_path / 'none.md'), 'x', 'cmd')
