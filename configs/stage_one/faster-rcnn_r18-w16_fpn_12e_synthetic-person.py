# Tiny CPU variant of the person detector (same Faster R-CNN FPN chain): a 16-wide ResNet-18,
# 32-channel FPN, anchors from 16 px, native 192x144 frames of the synthetic benchmark's COCO
# export (`python -m mmaction_plugins.datasets.synthetic --preset small --seed 0
# --out data/synthetic/small`), trained from scratch: BatchNorm in train mode (mmdet's ResNet
# default `norm_eval=True` freezes it, meant for pretrained weights), colour / scale / crop
# augmentation, 12 epochs.
_base_ = ['./faster-rcnn_x101-64x4d_fpn_1x_person.py',
           '../_base_/models/faster-rcnn_r18-w16_fpn_tiny.py']

model = dict(
    backbone={{_base_.tiny_det_backbone}},
    neck={{_base_.tiny_det_neck}},
    rpn_head={{_base_.tiny_det_rpn_head}},
    roi_head=dict(
        # one RoIAlign sample per bin: mmcv's CPU RoIAlign (backward) dominates a step
        bbox_roi_extractor=dict(out_channels=32, roi_layer=dict(sampling_ratio=1)),
        bbox_head=dict(in_channels=32, fc_out_channels=256)),
    # at most five people per frame: 4x fewer sampled RoIs and proposals (3x faster on CPU)
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=500, max_per_img=300),
        rcnn=dict(sampler=dict(num=128))),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300)))

data_root = 'data/synthetic/small/'
img_scale = (192, 144)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PhotoMetricDistortion', brightness_delta=24, contrast_range=(0.7, 1.3),
         saturation_range=(0.6, 1.4), hue_delta=12),
    dict(type='RandomResize', scale=img_scale, ratio_range=(0.8, 1.25), keep_ratio=True),
    dict(type='RandomCrop', crop_size=img_scale, allow_negative_crop=False),
    dict(type='RandomFlip', prob=0.5),
    # one input size for every batch: CPU convolutions re-plan for every new shape
    dict(type='Pad', size=img_scale),
    dict(type='PackDetInputs'),
]
test_pipeline = {{_base_.tiny_det_test_pipeline}}
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        ann_file='coco/person_keypoints_train.json',
        data_prefix=dict(img='ava/rawframes/'),
        filter_cfg=dict(filter_empty_gt=True, min_size=4),
        pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        ann_file='coco/person_keypoints_val.json',
        data_prefix=dict(img='ava/rawframes/'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'coco/person_keypoints_val.json')
test_evaluator = val_evaluator

train_cfg = dict(max_epochs=12, val_interval=12)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True, milestones=[9, 11], gamma=0.1),
]
optim_wrapper = dict(optimizer=dict(lr=0.02))
default_hooks = dict(logger=dict(interval=20))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
