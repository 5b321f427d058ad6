# Seed 003, row "+ global pooling feature": the short-term chain with mmaction2's
# SingleRoIExtractor3D(with_global=True) (the clip's feature map pooled before RoI pooling,
# concatenated to every RoI feature) reduced by GlobalContextHead to one 256-d vector per clip
# (average, Linear 2304 -> 256, ReLU) next to the 2304-d RoI feature: 2560 classifier inputs (the
# report: LFB 2560 -> 2816 with the global feature).
_base_ = ['./short-term_slowfast-k400-pre-r101_8xb8-8x8x1-26e_ava22-rgb.py']

model = dict(
    roi_head=dict(
        bbox_roi_extractor=dict(with_global=True),
        # the model block is mmdet-scoped: our shared head lives in mmaction's registry
        shared_head=dict(type='mmaction.GlobalContextHead', in_channels=2304, global_channels=256,
                         with_relu=True, dropout=0.0),
        bbox_head=dict(in_channels=2560)))
