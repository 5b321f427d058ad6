# Seed 004, Table 4.2 row 6 on the tiny chain: row 5 with a post-norm LayerNorm over channels
# after each layer.
_base_ = ['./stsa-slowfast-gap-l2-d64_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py']

model = dict(roi_head=dict(attention=dict(norm='post')))
