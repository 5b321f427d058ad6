# Seed 004, Table 4.2 row 3 on the tiny chain: row 2 with the slow module (7x1x1 q/k/v
# projections) in place of the fast one.
_base_ = ['./stsa-fast-gmp-l1-d16_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py']

model = dict(
    roi_head=dict(
        attention=dict(
            slow=dict(_delete_=True, embed_dims=16, temporal_kernel=7, num_heads=1, attend='thw',
                      scaled=True, attn_drop=0.0, gamma_init=0.0),
            fast=None)))
