# Tiny CPU variant of Table 3, row 1 (no action category, no RoI part features, no attention).
_base_ = ['./part-state-action_swin-w16_1xb32-12e_synthetic-tps.py']

model = dict(head=dict(with_action=False))
