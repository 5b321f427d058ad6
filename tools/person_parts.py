"""Write keypoints and body parts per person proposal (stage one).

``python tools/person_parts.py --proposals P.json --out PARTS.npz (--frame-root RAWFRAMES |
--video-root ROOT) [--pose-config C --pose-checkpoint K] [--part-config C --part-checkpoint K]``;
see ``mmaction_plugins.engine.person_parts``.
"""

from mmaction_plugins.engine.person_parts import main

if __name__ == '__main__':
    main()
