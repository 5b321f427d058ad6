# Tiny CPU variant of Table 3, row 3 (no multi-head attention across parts).
_base_ = ['./part-state-mha_swin-w16_1xb32-12e_synthetic-tps.py']

model = dict(head=dict(with_attention=False))
