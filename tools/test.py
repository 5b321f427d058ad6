"""Evaluate a checkpoint: ``python tools/test.py CONFIG CHECKPOINT [--out-json FILE]``.

Prints ``METRICS {json}`` and writes the metrics atomically; see
``mmaction_plugins.engine.cli.test_main``.
"""

from mmaction_plugins.engine.cli import test_main

if __name__ == '__main__':
    test_main()
