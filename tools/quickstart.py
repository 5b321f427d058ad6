"""The quick start: synthetic data → person detector → proposals → action model → scores,
annotated video and per-class AP chart, from one command. See ``mmaction_plugins.quickstart``.

``python tools/quickstart.py [--preset small] [--seed 0] [--work-dir work_dirs/quickstart]``
"""

import sys

from mmaction_plugins.quickstart import main

if __name__ == '__main__':
    sys.exit(main())
