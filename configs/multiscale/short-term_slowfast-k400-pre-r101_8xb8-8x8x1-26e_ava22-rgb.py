# Multi-scale features (seed 003, AVA 2020), row "short-term only": SlowFast R101 8x8 (Kinetics-400
# pre-trained; 32 input frames = a 2 s clip at interval 2; slow 8 frames, fast 32) + mmaction2's
# AVARoIHead (RoIAlign 8x8, temporal average, spatial max, linear classifier, sigmoid + BCE) on AVA
# v2.2, trained as the report does: batch 64 (8 GPUs x 8), 26 epochs, SGD lr 0.01 divided by 10 at
# epochs 15 and 20, random flip, random short side 256-320 and 224x224 random crops; person
# proposals from the stage-one Faster R-CNN X101-FPN (configs/stage_one/faster-rcnn_x101-64x4d_
# fpn_1x_person.py via tools/detect_proposals.py) kept at score >= 0.8 (the report's AVA
# threshold). Test: short side 256, whole frame; `tools/test.py ... --tta` runs the report's
# multi-crop test, short sides 224 / 256 / 320 x flip (STADTTAModel averages the six views' scores:
# the report sums them, the same ranking, so the same AP).
_base_ = ['../baseline/slowfast_k400-pre-r50_8xb16-4x16x1-20e_ava21-rgb.py']

# mmaction2 model zoo: slowfast_r101_8xb8-8x8x1-256e_kinetics400-rgb (recognizer weights; the
# backbone.* keys are loaded, cls_head.* ignored). Override with a local path for offline runs.
pretrained = ('https://download.openmmlab.com/mmaction/v1.0/recognition/slowfast/'
              'slowfast_r101_8xb8-8x8x1-256e_kinetics400-rgb/'
              'slowfast_r101_8xb8-8x8x1-256e_kinetics400-rgb_20220901-9c0e09bd.pth')
model = dict(
    init_cfg=dict(type='Pretrained', checkpoint=pretrained),
    backbone=dict(
        resample_rate=4,  # tau: the slow pathway takes every 4th of the 32 input frames -> 8
        speed_ratio=4,  # alpha
        slow_pathway=dict(depth=101, fusion_kernel=7),
        fast_pathway=dict(depth=101)))

anno_root = 'data/ava/annotations'
ann_file_train = f'{anno_root}/ava_train_v2.2.csv'
ann_file_val = f'{anno_root}/ava_val_v2.2.csv'
exclude_file_train = f'{anno_root}/ava_train_excluded_timestamps_v2.2.csv'
exclude_file_val = f'{anno_root}/ava_val_excluded_timestamps_v2.2.csv'
label_file = f'{anno_root}/ava_action_list_v2.2_for_activitynet_2019.pbtxt'

train_pipeline = [
    dict(type='SampleAVAFrames', clip_len=32, frame_interval=2),
    dict(type='RawFrameDecode'),
    dict(type='RandomRescale', scale_range=(256, 320)),
    dict(type='RandomCrop', size=224),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW', collapse=True),
    dict(type='PackActionInputs'),
]
val_pipeline = [
    dict(type='SampleAVAFrames', clip_len=32, frame_interval=2, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='FormatShape', input_format='NCTHW', collapse=True),
    dict(type='PackActionInputs'),
]
train_dataloader = dict(
    batch_size=8,
    dataset=dict(ann_file=ann_file_train, exclude_file=exclude_file_train,
                 label_file=label_file, pipeline=train_pipeline, person_det_score_thr=0.8))
val_dataloader = dict(
    dataset=dict(ann_file=ann_file_val, exclude_file=exclude_file_val, label_file=label_file,
                 pipeline=val_pipeline, person_det_score_thr=0.8))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=ann_file_val, exclude_file=exclude_file_val, label_file=label_file)
test_evaluator = val_evaluator

train_cfg = dict(max_epochs=26)
param_scheduler = [
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=26, milestones=[15, 20], gamma=0.1),
]
optim_wrapper = dict(optimizer=dict(lr=0.01))
auto_scale_lr = dict(base_batch_size=64)

# short sides 224 / 256 / 320 of the 256 test input, each also flipped
tta_model = dict(
    type='STADTTAModel',
    views=[dict(size=0.875), dict(size=0.875, flip=True), dict(size=None),
           dict(size=None, flip=True), dict(size=1.25), dict(size=1.25, flip=True)])
