# Seed 004, Table 4.2 row 6 ("SSFA + TSFA, GAP, 2 layers, 2048 dims, LN": 23.0 mAP, the report's
# best): row 5 with a LayerNorm over the channels of every position after each layer's residual
# sum (post-norm).
_base_ = ['./stsa-slowfast-gap-l2-d2048_slowfast-k400-pre-r50_8xb16-4x16x1-20e_ava21-rgb.py']

model = dict(roi_head=dict(attention=dict(norm='post')))
