# PCCA (seed 000, MultiSports 2021 1st place), phase 1 of its decoupled learning, on the tiny CPU
# chain: the synthetic-AVA tiny SlowFast baseline with mmaction2's AVARoIHead replaced by
# PCCARoIHead (person RoI attends to the cells of its 2x context box; then BBoxHeadAVA, sigmoid +
# BCE). Standard random sampling, everything trained. Phase 2: ./pcca-decoupled_*.py.
_base_ = ['../baseline/slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py']

model = dict(
    roi_head=dict(
        # the model block is mmdet-scoped: our head lives in mmaction's registry
        type='mmaction.PCCARoIHead',
        context_scale=2.0,
        context_includes_person=True,
        token_grid=None,  # the extractor's 4x4 bins (8x8 in mmaction2's full-size configs)
        cross_attention=dict(
            in_channels=96,  # slow 64 + fast 32 channels of the tiny SlowFast
            embed_dims=96,
            num_heads=4,
            with_pos_embed=True,
            with_ffn=True,
            ffn_channels=192,
            norm_first=False,
            query_pool='max',
            attn_drop=0.0,
            dropout=0.0),
        bbox_head=dict(in_channels=96)))

# `tools/test.py ... --tta`: the test input (64 px) and 1.25x (80 px, the top of the training
# scale jitter), each also flipped; per-person scores averaged
tta_model = dict(
    type='STADTTAModel',
    views=[dict(size=None), dict(size=None, flip=True),
           dict(size=1.25), dict(size=1.25, flip=True)])
