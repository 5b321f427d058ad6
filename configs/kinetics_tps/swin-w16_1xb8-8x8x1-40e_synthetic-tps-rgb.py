# Tiny CPU variant of the Kinetics-TPS video recognizer: a 16-wide Video Swin (depths 2-2-2-2,
# window 4x4x4) from scratch on 8 frames (every 8th, ~2 s) at 128x96 of the synthetic benchmark's
# TPS videos; 6 clips averaged at test. 40 epochs (the `small` preset has 32 training videos).
# Data: `python -m mmaction_plugins.datasets.synthetic --preset small --seed 0 --out
# data/synthetic/small` then `python -m mmaction_plugins.datasets.tps.prepare --root
# data/synthetic/small`.
_base_ = ['./swin-base-p244-w877_8xb8-32x2x1-30e_kinetics-tps-rgb.py']

model = dict(
    backbone=dict(
        arch=dict(_delete_=True, embed_dims=16, depths=[2, 2, 2, 2], num_heads=[1, 2, 4, 8]),
        pretrained2d=False,
        patch_size=(2, 4, 4),
        window_size=(4, 4, 4),
        drop_path_rate=0.1),
    cls_head=dict(in_channels=128, dropout_ratio=0.3))

data_root = 'data/synthetic/small/'
pred_vid_file = data_root + 'tps_prepared/pred_vid_val.json'
meta_keys = ('img_shape', 'frame_dir', 'label')
train_pipeline = [
    dict(type='SampleFrames', clip_len=8, frame_interval=8, num_clips=1),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(128, 96), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
val_pipeline = [
    dict(type='SampleFrames', clip_len=8, frame_interval=8, num_clips=6, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(128, 96), keep_ratio=False),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
train_dataloader = dict(
    batch_size=8, num_workers=0, persistent_workers=False,
    dataset=dict(data_prefix=dict(img=data_root), ann_file=data_root + 'tps_prepared/videos_train.txt',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_prefix=dict(img=data_root), ann_file=data_root + 'tps_prepared/videos_val.txt',
                 pipeline=val_pipeline))
test_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(data_prefix=dict(img=data_root), ann_file=data_root + 'tps_prepared/videos_val.txt',
                 pipeline=val_pipeline))
test_evaluator = [
    dict(type='AccMetric'),
    dict(type='TPSCategoryMetric', categories_file=data_root + 'tps/categories.txt',
         out_file=pred_vid_file),
]
train_cfg = dict(max_epochs=40, val_begin=1, val_interval=40)
optim_wrapper = dict(
    optimizer=dict(lr=2e-3),
    paramwise_cfg=dict(backbone=dict(lr_mult=1.0)))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=2,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=40, eta_min=0, by_epoch=True, begin=0, end=40,
         convert_to_iter_based=True),
]
default_hooks = dict(checkpoint=dict(interval=40, max_keep_ckpts=1), logger=dict(interval=20))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
