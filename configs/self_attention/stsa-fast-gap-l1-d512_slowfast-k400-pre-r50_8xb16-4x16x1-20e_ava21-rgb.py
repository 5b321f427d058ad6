# Spatio-Temporal SlowFast Self-Attention (seed 004), Table 4.2 row 1 ("TSFA, GAP, 1 layer, 512
# dims, no LN": 18.5 mAP in the report): mmaction2's SlowFast R50 4x16 AVA v2.1 baseline (32 input
# frames, 256x256 training crops, as the report's "RGB (32f), 256 x 256") with AVARoIHead replaced
# by SlowFastSelfAttentionRoIHead. Column mapping (see README.md): SSFA = the slow module (7x1x1
# q/k/v projections), TSFA = the fast module (1x1x1). The pathways are fused at 8 time steps
# (slow 4 -> 8 repeated, fast 32 -> 8 averaged; 2048 + 256 = 2304 channels); the attention runs
# on the clip's feature map over all 8 x 16 x 16 positions, then RoIAlign 8x8 per step and GAP.
_base_ = ['../baseline/slowfast_k400-pre-r50_8xb16-4x16x1-20e_ava21-rgb.py']

model = dict(
    roi_head=dict(
        # the model block is mmdet-scoped: our head lives in mmaction's registry
        type='mmaction.SlowFastSelfAttentionRoIHead',
        placement='feature_map',
        temporal_size=8,
        pool='avg',
        num_layers=1,
        attention=dict(
            in_channels=2304,
            slow=None,
            fast=dict(embed_dims=512, temporal_kernel=1, num_heads=1, attend='thw',
                      scaled=True, attn_drop=0.0, gamma_init=0.0),
            norm=None),
        bbox_roi_extractor=dict(with_temporal_pool=False),
        bbox_head=dict(in_channels=2304)))
