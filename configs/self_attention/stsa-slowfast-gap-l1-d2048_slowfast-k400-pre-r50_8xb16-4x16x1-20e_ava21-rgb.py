# Seed 004, Table 4.2 row 4 ("SSFA + TSFA, GAP, 1 layer, 2048 dims": 21.3 mAP): row 1 with both
# modules in parallel in the layer (y = x + slow(x) + fast(x)), q/k/v 2048 wide.
_base_ = ['./stsa-fast-gap-l1-d512_slowfast-k400-pre-r50_8xb16-4x16x1-20e_ava21-rgb.py']

model = dict(
    roi_head=dict(
        attention=dict(
            slow=dict(_delete_=True, embed_dims=2048, temporal_kernel=7, num_heads=1, attend='thw',
                      scaled=True, attn_drop=0.0, gamma_init=0.0),
            fast=dict(embed_dims=2048))))
