# Tiny CPU variant of the body-part detector (same top-down Cascade R-CNN Swin FPN chain): a
# 16-wide Swin with Swin-T depths (2-2-6-2, window 7), 32-channel FPN, anchors from 16 px, person
# crops resized to at most 128 px, no pre-training, 2 epochs (about 6 minutes on one CPU core),
# on the person crops of the synthetic benchmark's body parts:
#   python -m mmaction_plugins.datasets.synthetic --preset small --seed 0 --out data/synthetic/small
#   python -m mmaction_plugins.datasets.person_crops --root data/synthetic/small \
#       --out data/synthetic/small/part_crops
_base_ = ['./cascade-rcnn_swin-l-p4-w12_fpn_1x_body-part.py',
           '../_base_/models/faster-rcnn_r18-w16_fpn_tiny.py']

cascade_stage_stds = ([0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1], [0.033, 0.033, 0.067, 0.067])
model = dict(
    backbone=dict(
        pretrain_img_size=224,
        embed_dims=16,
        depths=[2, 2, 6, 2],
        num_heads=[1, 2, 4, 8],
        window_size=7,
        drop_path_rate=0.1,
        convert_weights=False),
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
                num_classes=10,
                bbox_coder=dict(
                    type='DeltaXYWHBBoxCoder', target_means=[0.0, 0.0, 0.0, 0.0],
                    target_stds=stds),
                reg_class_agnostic=True,
                loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
                loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0))
            for stds in cascade_stage_stds
        ]),
    # ten parts per crop: fewer RPN proposals, 64 sampled RoIs per stage and
    # one RoIAlign sample per bin (RoIAlign dominates a CPU step). Crops of persons cut by the
    # frame edge can be a few pixels wide after the resize, narrower than the smallest anchor:
    # anchors crossing the crop border are kept (allowed_border=-1), else mmdet's RPN raises
    # "no valid anchor inside the image boundary" (hit on synthetic `full`).
    train_cfg=dict(
        rpn=dict(allowed_border=-1),
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

data_root = 'data/synthetic/small/part_crops/'
img_scale = (128, 128)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
train_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        filter_cfg=dict(filter_empty_gt=True, min_size=1),
        pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator

train_cfg = dict(max_epochs=2, val_interval=2)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', T_max=2, eta_min_ratio=0.01, by_epoch=True, begin=0, end=2,
         convert_to_iter_based=True),
]
optim_wrapper = dict(optimizer=dict(lr=2e-3))
default_hooks = dict(logger=dict(interval=20))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
