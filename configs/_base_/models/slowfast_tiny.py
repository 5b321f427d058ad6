# A tiny SlowFast (ResNet-18 pathways; slow 8 / fast 4 base channels: alpha=4, beta=2; feature
# stride 8) FastRCNN for CPU tests and the synthetic benchmark. The fast pathway is twice as wide
# as SlowFast's beta=8 ratio would give: with 2 fast base channels (beta=4, the chain up to commit
# e0dc1d4) the motion and relation classes stayed at chance for every head. res4 keeps its
# resolution (spatial stride 1; SlowFast's res5 already does), so the last feature map has 8 x 8
# cells for a 64-px crop: at stride 16 (4 x 4 cells, up to commit 4daed5c) a person box covered
# ~0.7 x 1.2 cells. Stride 8 lifted the linear head +3.1 AP overall and PCCA +4.7 for ~1.1x the
# training time (base-chain probe, configs/baseline/README.md). A leaf inheriting an AVA-style detection config and this file applies it
# with `model = {{_base_.tiny_stad_model}}` (merged over the full-size model).
tiny_slowfast = dict(
    _delete_=True,
    type='mmaction.ResNet3dSlowFast',
    pretrained=None,
    resample_rate=4,
    speed_ratio=4,
    channel_ratio=2,
    slow_pathway=dict(
        type='resnet3d',
        depth=18,
        pretrained=None,
        lateral=True,
        base_channels=8,
        conv1_kernel=(1, 7, 7),
        dilations=(1, 1, 1, 1),
        conv1_stride_t=1,
        pool1_stride_t=1,
        inflate=(0, 0, 1, 1),
        spatial_strides=(1, 2, 1, 1)),
    fast_pathway=dict(
        type='resnet3d',
        depth=18,
        pretrained=None,
        lateral=False,
        base_channels=4,
        conv1_kernel=(5, 7, 7),
        conv1_stride_t=1,
        pool1_stride_t=1,
        spatial_strides=(1, 2, 1, 1)))
tiny_stad_model = dict(
    init_cfg=None,
    backbone=tiny_slowfast,
    roi_head=dict(
        bbox_roi_extractor=dict(output_size=4, featmap_stride=8),
        # slow 8*8 + fast 4*8 output channels (BasicBlock, expansion 1)
        bbox_head=dict(in_channels=96, dropout_ratio=0.0)))
