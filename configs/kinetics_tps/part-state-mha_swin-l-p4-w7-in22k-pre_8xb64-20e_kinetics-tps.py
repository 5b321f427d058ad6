# Part-state recognition network of seed 002 (Kinetics-TPS, 1st place; report Sec. 2.3, Fig. 2),
# Table 3's last row (augmentation + action info + RoI pooling + multi-head attention):
# mmdet's Swin-L (patch 4, window 7, 224 px: the report's "swin-large-224", ImageNet-22K weights)
# on the person crop; RoI pooling on the stage-2 map (stride 8) gives the part features, the
# last-stage feature (body) is concatenated to every part, the video category is embedded and
# concatenated too, two BERT layers of multi-head attention run across the 10 part tokens (absent
# parts masked), one state classifier per part. Inputs scaled to 256x256, random crop 224 (centre
# at test), part-box jitter, brightness/contrast jitter; state-balanced resampling; AdamW, weight
# decay 1e-8, batch 512 (8 x 64).
#
# Data: the project's Kinetics-TPS layout (see configs/kinetics_tps/README.md) under
# data/kinetics_tps/: tps/{train,val}_list.txt, tps/annotations/<split>/, tps/part_states.json,
# tps/categories.txt, tps/gt_{vid,part}_val.json, frames at <frames_dir>/img_XXXXX.jpg.
# `part_states` and `categories` below must equal the data's files (the dataset checks, naming
# the file): they are the synthetic benchmark's vocabulary; for another dataset set both.
#
# Test: the category fed to the action embedding is the video recognizer's prediction
# (`category_file`, written by testing configs/kinetics_tps/swin-base-*.py with its
# TPSCategoryMetric); training and validation feed the ground-truth category.
# Weights: set model.backbone.init_cfg=dict(type='Pretrained', checkpoint=<Swin-L 224 22K .pth>)
# (mmdet converts the official keys: convert_weights=True). Nothing is downloaded by default.
# AMP: `tools/train.py ... --amp`.
_base_ = ['mmaction::_base_/default_runtime.py', '../_base_/plugins.py']

# part order of every per-part array (a tuple: mmengine sorts dict keys when it dumps a config)
part_names = ('head', 'torso', 'left_arm', 'right_arm', 'left_hand', 'right_hand', 'left_leg',
              'right_leg', 'left_foot', 'right_foot')
part_states = dict(
    head=('forward', 'turned'),
    torso=('upright', 'bent', 'horizontal'),
    left_arm=('straight', 'bent', 'raised'),
    right_arm=('straight', 'bent', 'raised'),
    left_hand=('below_shoulder', 'above_shoulder'),
    right_hand=('below_shoulder', 'above_shoulder'),
    left_leg=('straight', 'bent'),
    right_leg=('straight', 'bent'),
    left_foot=('grounded', 'lifted'),
    right_foot=('grounded', 'lifted'))
categories = ('walk', 'run', 'jump', 'spin', 'kick ball', 'pick up box', 'open door', 'approach',
              'chase', 'talk', 'hand over', 'return', 'wait', 'wave', 'point', 'raise arm')
person_crop_scale = 1.25
input_size = 224
resize_size = 256

model = dict(
    type='PartStateRecognizer',
    backbone=dict(
        type='mmdet.SwinTransformer',
        pretrain_img_size=224,
        embed_dims=192,
        depths=[2, 2, 18, 2],
        num_heads=[6, 12, 24, 48],
        window_size=7,
        mlp_ratio=4,
        qkv_bias=True,
        drop_path_rate=0.2,
        patch_norm=True,
        out_indices=(0, 1, 2, 3),
        convert_weights=True,
        init_cfg=None),
    part_feat_index=1,  # the middle stage: 384 channels, stride 8 (28 x 28 at 224 px)
    body_feat_index=3,  # the last stage: 1536 channels
    head=dict(
        type='PartStateHead',
        num_states=[len(part_states[p]) for p in part_names],
        mid_channels=384,
        body_channels=1536,
        part_feat_stride=8,
        embed_dims=512,
        with_roi_pool=True,
        with_body_feat=True,
        with_action=True,
        num_categories=len(categories),
        action_fusion='concat',
        with_part_embed=True,
        with_attention=True,
        attention=dict(num_heads=8, num_layers=2, dropout=0.1),
        roi_size=7,
        sampling_ratio=2,
        dropout=0.1),
    data_preprocessor=dict(
        type='ActionDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        format_shape='NCHW'))

data_root = 'data/kinetics_tps/'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PersonPartCrop', size=resize_size, scale=person_crop_scale),
    dict(type='BoxJitter', keys=('part_boxes', ), shift_ratio=0.05, scale_ratio=0.1, prob=0.5),
    dict(type='PartRandomCrop', size=input_size, random=True),
    dict(type='ColorJitter', brightness=0.3, contrast=0.3, saturation=0.0, hue=0.0),
    dict(type='PackPartStateInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PersonPartCrop', size=resize_size, scale=person_crop_scale),
    dict(type='PartRandomCrop', size=input_size, random=False),
    dict(type='PackPartStateInputs'),
]
dataset_type = 'TPSPartStateDataset'
train_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='StateBalancedSampler', state_power=0.0),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='tps/train_list.txt',
        data_prefix=dict(ann='tps/annotations/train', img=''),
        part_names=part_names,
        part_states=part_states,
        categories=categories,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='tps/val_list.txt',
        data_prefix=dict(ann='tps/annotations/val', img=''),
        part_names=part_names,
        part_states=part_states,
        categories=categories,
        pipeline=test_pipeline,
        test_mode=True))
# the video recognizer's categories, fed to the action embedding and scored by the metric
pred_vid_file = data_root + 'pred_vid_val.json'
test_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='tps/val_list.txt',
        data_prefix=dict(ann='tps/annotations/val', img=''),
        part_names=part_names,
        part_states=part_states,
        categories=categories,
        category_file=pred_vid_file,
        pipeline=test_pipeline,
        test_mode=True))
val_evaluator = dict(
    type='TPSPartStateMetric',
    gt_vid_file=data_root + 'tps/gt_vid_val.json',
    gt_part_file=data_root + 'tps/gt_part_val.json',
    part_names=part_names,
    part_states=part_states)
test_evaluator = dict(
    type='TPSPartStateMetric',
    gt_vid_file=data_root + 'tps/gt_vid_val.json',
    gt_part_file=data_root + 'tps/gt_part_val.json',
    part_names=part_names,
    part_states=part_states,
    pred_vid_file=pred_vid_file)

train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=20, val_begin=1, val_interval=5)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=5e-4, betas=(0.9, 0.999), weight_decay=1e-8),
    paramwise_cfg=dict(
        custom_keys={
            'absolute_pos_embed': dict(decay_mult=0.),
            'relative_position_bias_table': dict(decay_mult=0.),
            'norm': dict(decay_mult=0.),
            'backbone': dict(lr_mult=0.1),
        }),
    clip_grad=dict(max_norm=5.0, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=20, eta_min_ratio=0.01, by_epoch=True, begin=0, end=20,
         convert_to_iter_based=True),
]
default_hooks = dict(
    checkpoint=dict(interval=5, max_keep_ckpts=2, save_best='tps_part/top1', rule='greater',
                    backend_args=dict(backend='atomic_local')),
    logger=dict(interval=50))
auto_scale_lr = dict(enable=False, base_batch_size=512)
