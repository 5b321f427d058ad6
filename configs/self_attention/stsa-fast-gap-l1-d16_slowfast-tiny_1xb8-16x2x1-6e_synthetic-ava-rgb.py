# Seed 004 (Spatio-Temporal SlowFast Self-Attention), Table 4.2 row 1 on the tiny CPU chain: the
# synthetic-AVA tiny SlowFast baseline with AVARoIHead replaced by SlowFastSelfAttentionRoIHead,
# the fast module (1x1x1 q/k/v projections) only, GAP, one layer, no LayerNorm. Widths are scaled
# to the tiny model: 96 fused channels (slow 64 + fast 32) instead of 2304, so the report's 512 /
# 2048 dims become 16 / 64 (the same 1:4 ratio). Pathways fused at 8 steps (slow 4 -> 8 repeated,
# fast 16 -> 8 averaged); attention over the clip's 8 x 8 x 8 (test: 8 x 8 x 11) positions at feature stride 8.
_base_ = ['../baseline/slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py']

model = dict(
    roi_head=dict(
        # the model block is mmdet-scoped: our head lives in mmaction's registry
        type='mmaction.SlowFastSelfAttentionRoIHead',
        placement='feature_map',
        temporal_size=8,
        pool='avg',
        num_layers=1,
        attention=dict(
            in_channels=96,
            slow=None,
            fast=dict(embed_dims=16, temporal_kernel=1, num_heads=1, attend='thw',
                      scaled=True, attn_drop=0.0, gamma_init=0.0),
            norm=None),
        bbox_roi_extractor=dict(with_temporal_pool=False),
        bbox_head=dict(in_channels=96)))
