# Seed 004, Table 4.2 row 2 ("TSFA, GMP, 1 layer, 512 dims": 19.2 mAP): row 1 with global max
# pooling of the attended RoI features over time and space instead of average pooling.
_base_ = ['./stsa-fast-gap-l1-d512_slowfast-k400-pre-r50_8xb16-4x16x1-20e_ava21-rgb.py']

model = dict(roi_head=dict(pool='max'))
