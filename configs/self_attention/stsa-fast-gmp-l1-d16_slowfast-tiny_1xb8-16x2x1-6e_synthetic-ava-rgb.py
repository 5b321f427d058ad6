# Seed 004, Table 4.2 row 2 on the tiny chain: row 1 with global max pooling (GMP).
_base_ = ['./stsa-fast-gap-l1-d16_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py']

model = dict(roi_head=dict(pool='max'))
