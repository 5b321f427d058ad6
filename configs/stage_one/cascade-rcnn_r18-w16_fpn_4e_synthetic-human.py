# Tiny CPU variant of the human detector of seed 002 (same Cascade R-CNN FPN chain): a 16-wide
# ResNet-18, 32-channel FPN, anchors from 16 px, native 192x144 frames of the synthetic
# benchmark's COCO export (`python -m mmaction_plugins.datasets.synthetic --preset small --seed 0
# --out data/synthetic/small`); mirrors faster-rcnn_r18-w16_fpn_12e_synthetic-person.py, with 4
# epochs instead of 6 (three heads: a CPU step costs about what the Faster R-CNN step does only
# with 64 sampled RoIs and one RoIAlign sample per bin).
_base_ = ['./cascade-rcnn_r50_fpn_1x_human.py',
           '../_base_/models/faster-rcnn_r18-w16_fpn_tiny.py']

cascade_stage_stds = ([0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1], [0.033, 0.033, 0.067, 0.067])
model = dict(
    backbone={{_base_.tiny_det_backbone}},
    neck={{_base_.tiny_det_neck}},
    rpn_head={{_base_.tiny_det_rpn_head}},
    roi_head=dict(
        bbox_roi_extractor=dict(roi_layer=dict(sampling_ratio=1), out_channels=32),
        bbox_head=[
            dict(
                type='Shared2FCBBoxHead',
                in_channels=32,
                fc_out_channels=128,
                roi_feat_size=7,
                num_classes=1,
                bbox_coder=dict(
                    type='DeltaXYWHBBoxCoder', target_means=[0.0, 0.0, 0.0, 0.0],
                    target_stds=stds),
                reg_class_agnostic=True,
                loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
                loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0))
            for stds in cascade_stage_stds
        ]),
    # at most five people per frame: fewer RPN proposals, 64 sampled RoIs per stage and
    # one RoIAlign sample per bin (RoIAlign dominates a CPU step)
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=500, max_per_img=300),
        rcnn=[
            dict(
                assigner=dict(type='MaxIoUAssigner', pos_iou_thr=iou, neg_iou_thr=iou,
                              min_pos_iou=iou, match_low_quality=False, ignore_iof_thr=-1),
                sampler=dict(type='RandomSampler', num=64, pos_fraction=0.25, neg_pos_ub=-1,
                             add_gt_as_proposals=True),
                pos_weight=-1,
                debug=False)
            for iou in (0.5, 0.6, 0.7)
        ]),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300)))

data_root = 'data/synthetic/small/'
img_scale = (192, 144)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
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

train_cfg = dict(max_epochs=4, val_interval=4)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='MultiStepLR', begin=0, end=4, by_epoch=True, milestones=[3], gamma=0.1),
]
optim_wrapper = dict(optimizer=dict(lr=0.04))
default_hooks = dict(logger=dict(interval=20))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
