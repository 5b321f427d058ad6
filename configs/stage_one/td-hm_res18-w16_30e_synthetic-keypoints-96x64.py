# Tiny CPU variant of the pose model (same top-down heatmap chain): a 16-wide ResNet-18, three
# 32-channel deconvolutions, 96x64 crops, trained on the synthetic benchmark's COCO keypoints
# (`python -m mmaction_plugins.datasets.synthetic --preset small --seed 0
# --out data/synthetic/small`), ground-truth boxes at test time.
_base_ = ['./td-hm_res50_8xb64-210e_person-keypoints-256x192.py']

codec = dict(
    type='MSRAHeatmap', input_size=(64, 96), heatmap_size=(16, 24), sigma=1)
model = dict(
    backbone=dict(depth=18, base_channels=16, init_cfg=None),
    head=dict(
        in_channels=128,
        deconv_out_channels=(32, 32, 32),
        deconv_kernel_sizes=(4, 4, 4),
        decoder=codec),
    test_cfg=dict(flip_test=False))

data_root = 'data/synthetic/small/'
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomBBoxTransform'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs'),
]
train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        ann_file='coco/person_keypoints_train.json',
        data_prefix=dict(img='ava/rawframes/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        data_root=data_root,
        ann_file='coco/person_keypoints_val.json',
        data_prefix=dict(img='ava/rawframes/'),
        pipeline=val_pipeline))
test_dataloader = val_dataloader
# COCO keypoint AP (OKS) and PCK@0.2 of the ground-truth box size
val_evaluator = [
    dict(type='CocoMetric', ann_file=data_root + 'coco/person_keypoints_val.json'),
    dict(type='PCKAccuracy', thr=0.2, norm_item='bbox'),
]
test_evaluator = val_evaluator

train_cfg = dict(max_epochs=30, val_interval=30)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=100, start_factor=0.01, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=30, milestones=[24], gamma=0.1, by_epoch=True),
]
optim_wrapper = dict(optimizer=dict(lr=2e-3))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
