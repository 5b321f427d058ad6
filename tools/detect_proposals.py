"""Write person proposals with an mmdet detector (stage one).

``python tools/detect_proposals.py DET_CONFIG DET_CKPT --out P.json (--ava-csv A.csv
--frame-root RAWFRAMES | --videos V.mp4 ...) [--score-thr 0.6]``; see
``mmaction_plugins.engine.detect_proposals``.
"""

from mmaction_plugins.engine.detect_proposals import main

if __name__ == '__main__':
    main()
