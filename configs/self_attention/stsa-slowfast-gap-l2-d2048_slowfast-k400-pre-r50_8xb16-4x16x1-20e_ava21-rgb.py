# Seed 004, Table 4.2 row 5 ("SSFA + TSFA, GAP, 2 layers, 2048 dims": 21.7 mAP): row 4 with two
# stacked layers (separate weights).
_base_ = ['./stsa-slowfast-gap-l1-d2048_slowfast-k400-pre-r50_8xb16-4x16x1-20e_ava21-rgb.py']

model = dict(roi_head=dict(num_layers=2))
