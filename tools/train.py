"""Train a model from a config: ``python tools/train.py CONFIG [--work-dir DIR] [--resume]``.

Same flags as mmaction2's ``tools/train.py``; see ``mmaction_plugins.engine.cli.train_main``.
"""

from mmaction_plugins.engine.cli import train_main

if __name__ == '__main__':
    train_main()
