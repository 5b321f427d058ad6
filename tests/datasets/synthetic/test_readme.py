"""The dataset README's class table is the code's class table."""

from __future__ import annotations

import os.path as osp
import re

from mmaction_plugins.datasets.synthetic import CLASSES, PART_STATES
from tests.conftest import REPO

README = osp.join(REPO, 'mmaction_plugins', 'datasets', 'synthetic', 'README.md')


def test_class_table_matches_the_code():
    with open(README, encoding='utf-8') as f:
        text = f.read()
    rows = re.findall(r'^\| (\d+) \| ([a-z ]+) \| ([a-z-]+) \| [^|]+ \| (\d+) \|', text, re.M)
    assert [(int(i), n, g, int(r)) for i, n, g, r in rows] == \
        [(c.id, c.name, c.group, c.rank) for c in CLASSES]
    for part in PART_STATES:
        assert part in text
