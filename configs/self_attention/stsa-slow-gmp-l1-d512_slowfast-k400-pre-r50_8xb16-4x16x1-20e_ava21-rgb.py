# Seed 004, Table 4.2 row 3 ("SSFA, GMP, 1 layer, 512 dims": 20.8 mAP): row 2 with the slow module
# (7x1x1 q/k/v projections) in place of the fast one.
_base_ = ['./stsa-fast-gmp-l1-d512_slowfast-k400-pre-r50_8xb16-4x16x1-20e_ava21-rgb.py']

model = dict(
    roi_head=dict(
        attention=dict(
            slow=dict(_delete_=True, embed_dims=512, temporal_kernel=7, num_heads=1, attend='thw',
                      scaled=True, attn_drop=0.0, gamma_init=0.0),
            fast=None)))
