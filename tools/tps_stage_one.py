"""Kinetics-TPS stage one: humans and their parts (top-down) on every annotated TPS frame.

``python tools/tps_stage_one.py --root DATA --split val --out PARTS.npz --part-config C
--part-checkpoint K (--human-config C --human-checkpoint K | --gt-humans)``; see
``mmaction_plugins.engine.tps_stage_one``.
"""

from mmaction_plugins.engine.tps_stage_one import main

if __name__ == '__main__':
    main()
