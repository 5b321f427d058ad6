# Tiny CPU variant of the part-state network (Table 3's last row) on the synthetic benchmark's
# Kinetics-TPS export: a 16-wide Swin (depths 2-2-2-2, window 4) from scratch, person crops
# scaled to 72x72 and cropped to 64 (the report's 256 -> 224 ratio), 64-wide part tokens, one
# attention layer of 4 heads, 12 epochs (about 2 minutes per epoch on the `small` preset on one
# CPU core). Data: `python -m mmaction_plugins.datasets.synthetic --preset small --seed 0 --out
# data/synthetic/small`; the test categories come from the tiny video recognizer
# (swin-w16_1xb8-8x8x1-40e_synthetic-tps-rgb.py, tested with its TPSCategoryMetric).
_base_ = ['./part-state-mha_swin-l-p4-w7-in22k-pre_8xb64-20e_kinetics-tps.py']

input_size = 64
resize_size = 72
model = dict(
    backbone=dict(
        pretrain_img_size=64,
        embed_dims=16,
        depths=[2, 2, 2, 2],
        num_heads=[1, 2, 4, 8],
        window_size=4,
        drop_path_rate=0.1,
        convert_weights=False),
    head=dict(
        mid_channels=32,
        body_channels=128,
        part_feat_stride=8,
        embed_dims=64,
        attention=dict(num_heads=4, num_layers=1),
        roi_size=4))

data_root = 'data/synthetic/small/'
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PersonPartCrop', size=resize_size, scale={{_base_.person_crop_scale}}),
    dict(type='BoxJitter', keys=('part_boxes', ), shift_ratio=0.05, scale_ratio=0.1, prob=0.5),
    dict(type='PartRandomCrop', size=input_size, random=True),
    dict(type='ColorJitter', brightness=0.3, contrast=0.3, saturation=0.0, hue=0.0),
    dict(type='PackPartStateInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PersonPartCrop', size=resize_size, scale={{_base_.person_crop_scale}}),
    dict(type='PartRandomCrop', size=input_size, random=False),
    dict(type='PackPartStateInputs'),
]
pred_vid_file = data_root + 'tps_prepared/pred_vid_val.json'
train_dataloader = dict(
    batch_size=32, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=32, num_workers=0, persistent_workers=False,
    dataset=dict(data_root=data_root, category_file=pred_vid_file, pipeline=test_pipeline))
val_evaluator = dict(
    gt_vid_file=data_root + 'tps/gt_vid_val.json',
    gt_part_file=data_root + 'tps/gt_part_val.json')
test_evaluator = dict(
    gt_vid_file=data_root + 'tps/gt_vid_val.json',
    gt_part_file=data_root + 'tps/gt_part_val.json',
    pred_vid_file=pred_vid_file)

train_cfg = dict(max_epochs=12, val_interval=12)
optim_wrapper = dict(
    optimizer=dict(lr=1e-3),
    paramwise_cfg=dict(custom_keys={'backbone': dict(lr_mult=1.0)}))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='CosineAnnealingLR', T_max=12, eta_min_ratio=0.01, by_epoch=True, begin=0, end=12,
         convert_to_iter_based=True),
]
default_hooks = dict(checkpoint=dict(interval=12), logger=dict(interval=20))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
