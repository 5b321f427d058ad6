# PCCA report (seed 000), row "PCCA" at 256x455: the linear chain with the Person-Context
# Cross-Attention head (2x context box, the person's pooled feature attends to the 8x8 context
# cells; residual + LayerNorm; FFN). Decoupled phase 1. The report leaves widths and heads open:
# the attention keeps the RoI feature width (2304), 8 heads, FFN 2x.
_base_ = ['./linear_slowfast-k400-pre-r101_8xb4-8x8x1-12e_multisports-rgb.py']

model = dict(
    roi_head=dict(
        type='mmaction.PCCARoIHead',
        context_scale=2.0,
        context_includes_person=True,
        token_grid=None,  # RoIAlign's 8x8 bins
        cross_attention=dict(
            in_channels=2304,
            embed_dims=2304,
            num_heads=8,
            with_pos_embed=True,
            with_ffn=True,
            ffn_channels=4608,
            norm_first=False,
            query_pool='max',
            attn_drop=0.0,
            dropout=0.1),
        bbox_head=dict(in_channels=2304)))

# `tools/test.py ... --tta`: 256x455 and 360x640 (x 1.40625), each also flipped, scores averaged
# (the report ensembles a 256x455-trained and a 360x640-trained model this way)
tta_model = dict(
    type='STADTTAModel',
    views=[dict(size=None), dict(size=None, flip=True),
           dict(size=1.40625), dict(size=1.40625, flip=True)])
