# Body-part detector of seed 002 (Kinetics-TPS "human parts detection module"): mmdet's Cascade
# R-CNN FPN with a Swin-L backbone (mmdet's Swin-L settings: patch 4, window 12, 384 px
# pre-training size, embed 192, depths 2-2-18-2), 10 part classes in all three cascade heads.
#
# Top-down: it is trained and run on *person crops*, not frames. Data layout (what
# `python -m mmaction_plugins.datasets.person_crops --person-json P.json --parts-json B.json
# --img-root FRAMES --split train|val --out data/body_parts` writes from COCO person + body-part
# jsons whose part annotations carry their person's `person_id`):
#   data/body_parts/images/<split>/<frame stem>_p<person ann id>.png    ground-truth person box
#                                                                       enlarged 1.25x, clipped
#   data/body_parts/annotations/<split>.json                            COCO, part boxes in crop
#                                                                       pixels, categories below
# Training skips crops under 32 px a side (filter_cfg of mmdet's COCO base). At inference,
# `mmaction_plugins.engine.person_parts` crops detected person boxes the same way
# (`person_crop_scale`) and maps the part boxes back to the frame.
#
# Weights: the seed starts from an Objects365-pretrained detector: give one with
# `load_from=<path or URL>`; for backbone-only Swin-L weights (e.g. the official ImageNet-22K
# `swin_large_patch4_window12_384_22k.pth`) set `model.backbone.init_cfg=dict(type='Pretrained',
# checkpoint=<path>)` in a leaf config. Nothing is downloaded by default.
# No horizontal flip: the classes name the person's left and right, which mmdet's RandomFlip
# would not swap. Augmentation as the seed reports: random crop and random rotation.
_base_ = [
    'mmdet::cascade_rcnn/cascade-rcnn_r50_fpn_1x_coco.py',
    '../_base_/plugins.py',
]

part_classes = ('head', 'torso', 'left_upper_arm', 'left_forearm', 'right_upper_arm',
                'right_forearm', 'left_thigh', 'left_shin', 'right_thigh', 'right_shin')
person_crop_scale = 1.25  # read by mmaction_plugins.engine.person_parts

# The three cascade stages of the mmdet base, with the part classes (lists replace, not merge).
cascade_stage_stds = ([0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1], [0.033, 0.033, 0.067, 0.067])
model = dict(
    backbone=dict(
        _delete_=True,
        type='SwinTransformer',
        pretrain_img_size=384,
        embed_dims=192,
        depths=[2, 2, 18, 2],
        num_heads=[6, 12, 24, 48],
        window_size=12,
        mlp_ratio=4,
        qkv_bias=True,
        qk_scale=None,
        drop_rate=0.,
        attn_drop_rate=0.,
        drop_path_rate=0.2,
        patch_norm=True,
        out_indices=(0, 1, 2, 3),
        with_cp=False,
        convert_weights=True,
        init_cfg=None),
    neck=dict(in_channels=[192, 384, 768, 1536]),
    roi_head=dict(bbox_head=[
        dict(
            type='Shared2FCBBoxHead',
            in_channels=256,
            fc_out_channels=1024,
            roi_feat_size=7,
            num_classes=len(part_classes),
            bbox_coder=dict(
                type='DeltaXYWHBBoxCoder', target_means=[0.0, 0.0, 0.0, 0.0], target_stds=stds),
            reg_class_agnostic=True,
            loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
            loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0))
        for stds in cascade_stage_stds
    ]))

metainfo = dict(classes=part_classes)
data_root = 'data/body_parts/'
# person crops are resized to at most 768 x 512 (long x short side), multi-scale in training
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='RandomResize', scale=[(768, 384), (768, 640)], keep_ratio=True),
    dict(type='RandomApply', prob=0.5, transforms=[
        dict(type='RandomCrop', crop_type='relative_range', crop_size=(0.8, 0.8),
             allow_negative_crop=False)]),
    dict(type='Rotate', prob=0.5, min_mag=0.0, max_mag=15.0, img_border_value=0),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(768, 512), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs',
         meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor')),
]
# ClassOrderCocoDataset: mmdet's CocoDataset that raises when `part_classes` is not the file's
# category order (mmdet would silently permute the class names).
train_dataloader = dict(
    dataset=dict(
        type='ClassOrderCocoDataset',
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/train.json',
        data_prefix=dict(img='images/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type='ClassOrderCocoDataset',
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/val.json',
        data_prefix=dict(img='images/'),
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# AP@0.5 and AR@100 as in seed 000's detector table (AR@100 is otherwise only logged)
val_evaluator = dict(
    ann_file=data_root + 'annotations/val.json',
    metric_items=['mAP', 'mAP_50', 'mAP_75', 'AR@100'])
test_evaluator = val_evaluator

# optimiser of mmdet's Swin configs
optim_wrapper = dict(
    type='OptimWrapper',
    paramwise_cfg=dict(
        custom_keys={
            'absolute_pos_embed': dict(decay_mult=0.),
            'relative_position_bias_table': dict(decay_mult=0.),
            'norm': dict(decay_mult=0.)
        }),
    optimizer=dict(_delete_=True, type='AdamW', lr=0.0001, betas=(0.9, 0.999), weight_decay=0.05))
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
