# Seed 004, Table 4.2 row 4 on the tiny chain: both modules in parallel, GAP, one layer, q/k/v 64
# wide (the report's 2048, scaled to the tiny model).
_base_ = ['./stsa-fast-gap-l1-d16_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py']

model = dict(
    roi_head=dict(
        attention=dict(
            slow=dict(_delete_=True, embed_dims=64, temporal_kernel=7, num_heads=1, attend='thw',
                      scaled=True, attn_drop=0.0, gamma_init=0.0),
            fast=dict(embed_dims=64))))
