# The tiny CPU detector pieces shared by the stage-one synthetic configs (person Faster R-CNN,
# human Cascade R-CNN): a 16-wide ResNet-18 trained from scratch (BatchNorm in train mode: mmdet's
# ResNet default `norm_eval=True` freezes it, meant for pretrained weights), a 32-channel FPN,
# anchors from 16 px, and the native-size test pipeline of the synthetic COCO export. A leaf
# inheriting a full-size mmdet config and this file uses them as `{{_base_.tiny_det_backbone}}`.
tiny_det_backbone = dict(
    _delete_=True,
    type='ResNet',
    depth=18,
    base_channels=16,
    num_stages=4,
    out_indices=(0, 1, 2, 3),
    frozen_stages=-1,
    norm_cfg=dict(type='BN', requires_grad=True),
    norm_eval=False,
    style='pytorch',
    init_cfg=None)
tiny_det_neck = dict(in_channels=[16, 32, 64, 128], out_channels=32)
tiny_det_rpn_head = dict(in_channels=32, feat_channels=32, anchor_generator=dict(scales=[4]))
tiny_det_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(192, 144), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
