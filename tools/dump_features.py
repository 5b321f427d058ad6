"""Dump a long-term feature bank (LFB / actor-context feature bank) with a trained STAD model.

``python tools/dump_features.py CONFIG CHECKPOINT --out BANK [--split train] [--split val]``;
see ``mmaction_plugins.engine.dump_features``.
"""

from mmaction_plugins.engine.dump_features import main

if __name__ == '__main__':
    main()
