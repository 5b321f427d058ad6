# Tiny CPU variant of Table 3, row 2 (no RoI part features, no attention).
_base_ = ['./part-state-roi_swin-w16_1xb32-12e_synthetic-tps.py']

model = dict(head=dict(with_roi_pool=False))
