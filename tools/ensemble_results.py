"""Per-class AP-weighted ensembling of AVA result CSVs into one result CSV.

``python tools/ensemble_results.py --results A.csv B.csv --aps A.json B.json --out OUT.csv
[--mode weighted|best|mean] [--label-map MAP] [--decimals 3] [--skip-missing] [--missing-ap X]
[--summary-json S.json]``; see ``mmaction_plugins.evaluation.ensemble``.
"""

import sys

from mmaction_plugins.evaluation.ensemble import main

if __name__ == '__main__':
    sys.exit(main())
