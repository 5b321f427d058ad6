# PCCA report (seed 000), row "Linear": the full-scale MultiSports chain every PCCA config
# inherits — SlowFast R101 8x8 (T x tau = 8 x 8, alpha = 4), Kinetics-400 pre-trained, RoIAlign
# 8x8 + temporal pooling, mmaction2's linear BBoxHeadAVA, sigmoid + BCE; person proposals with
# score >= 0.6 from the stage-one Faster R-CNN X101-FPN (`tools/detect_proposals.py` with
# configs/stage_one/faster-rcnn_x101-64x4d_fpn_1x_person.py). Scale 256x455 (short side 256 of the
# 720p videos, whole frame, no crop), batch 32 (8 GPUs x 4), SGD lr 0.1, Nesterov momentum 0.9,
# wd 1e-4, 3-epoch linear warm-up, x0.1 at epochs 5, 8, 10, 12 epochs (15 on train+val).
_base_ = [
    '../baseline/slowfast_k400-pre-r50_8xb16-4x16x1-8e_multisports-rgb.py',
    '../_base_/models/slowfast_r101_8x8.py',
]

# Kinetics-400 SlowFast R101 8x8 from mmaction2's zoo (see the base); override for offline runs
pretrained = {{_base_.slowfast_r101_8x8_k400}}
model = dict(
    init_cfg=dict(type='Pretrained', checkpoint=pretrained),
    backbone={{_base_.slowfast_r101_8x8}},
    # slow 2048 + fast 256 channels
    roi_head=dict(bbox_head=dict(in_channels=2304)))

scale = 256  # short side; MultiSports videos are 720x1280, so 256x455
train_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleAVAFrames', clip_len=32, frame_interval=2),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, scale)),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW', collapse=True),
    dict(type='PackActionInputs'),
]
val_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleAVAFrames', clip_len=32, frame_interval=2, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, scale)),
    dict(type='FormatShape', input_format='NCTHW', collapse=True),
    dict(type='PackActionInputs'),
]
train_dataloader = dict(
    batch_size=4,
    dataset=dict(pipeline=train_pipeline, person_det_score_thr=0.6))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline, person_det_score_thr=0.6))
test_dataloader = val_dataloader

train_cfg = dict(max_epochs=12, val_begin=12, val_interval=1)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=3,
         convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=12, milestones=[5, 8, 10], gamma=0.1),
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-4),
    clip_grad=dict(max_norm=40, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=32)
