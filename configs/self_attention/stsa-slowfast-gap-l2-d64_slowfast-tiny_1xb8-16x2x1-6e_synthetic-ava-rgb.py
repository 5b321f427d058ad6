# Seed 004, Table 4.2 row 5 on the tiny chain: row 4 with two stacked layers.
_base_ = ['./stsa-slowfast-gap-l1-d64_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py']

model = dict(roi_head=dict(num_layers=2))
