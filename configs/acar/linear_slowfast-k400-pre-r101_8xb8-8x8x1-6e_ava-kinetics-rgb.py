# ACAR report (seed 001), row "Linear" (32.98 mAP on AVA-Kinetics val): the full-scale chain every
# ACAR config inherits. SlowFast R101 8x8 (the report pre-trains on Kinetics-700; mmaction2's zoo
# has the Kinetics-400 weights, used by default — give yours with
# `--cfg-options model.init_cfg.checkpoint=PATH`), RoIAlign 8x8 + temporal pooling, linear
# BBoxHeadAVA, sigmoid + BCE. Joint AVA + Kinetics training on mmaction2's AVA-Kinetics layout
# (one annotation file with AVA movies and 10-s Kinetics clips; STADKineticsDataset = mmaction2's
# AVAKineticsDataset with safe proposal loading). Report training: short side 256, no scale
# jitter or random crop, bbox jittering, horizontal flip, 6 epochs, linear warm-up, step decay.
# Warm-up length, milestones and optimiser are not in the report: 1 warm-up epoch, x0.1 at
# epochs 4 and 5, mmaction2's AVA-Kinetics SGD (lr 0.1 for batch 64, wd 1e-5, clip 40).
_base_ = [
    '../baseline/slowfast_k400-pre-r50_8xb16-4x16x1-20e_ava21-rgb.py',
    '../_base_/models/slowfast_r101_8x8.py',
]

pretrained = {{_base_.slowfast_r101_8x8_k400}}
model = dict(
    init_cfg=dict(type='Pretrained', checkpoint=pretrained),
    backbone={{_base_.slowfast_r101_8x8}},
    roi_head=dict(bbox_head=dict(in_channels=2304)))  # slow 2048 + fast 256

dataset_type = 'STADKineticsDataset'
data_root = 'data/ava_kinetics/rawframes'
anno_root = 'data/ava_kinetics/annotations'
ann_file_train = f'{anno_root}/ava_train_v2.2.csv'
ann_file_val = f'{anno_root}/ava_val_v2.2.csv'
exclude_file_train = f'{anno_root}/ava_train_excluded_timestamps_v2.2.csv'
exclude_file_val = f'{anno_root}/ava_val_excluded_timestamps_v2.2.csv'
label_file = f'{anno_root}/ava_action_list_v2.2_for_activitynet_2019.pbtxt'
# person boxes of the report's detectors (one fine-tuned for AVA, one for Kinetics), score >= 0.8
proposal_file_train = f'{anno_root}/ava_kinetics_dense_proposals_train.pkl'
proposal_file_val = f'{anno_root}/ava_kinetics_dense_proposals_val.pkl'

train_pipeline = [
    dict(type='SampleAVAFrames', clip_len=32, frame_interval=2),
    dict(type='RawFrameDecode'),
    # ACAR-Net: each corner moved by up to 7.5 % of the box size
    dict(type='BoxJitter', keys=('gt_bboxes', 'proposals'), shift_ratio=0.075,
         scale_ratio=0.15, prob=1.0),
    dict(type='Resize', scale=(-1, 256)),
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
    dataset=dict(
        type=dataset_type, ann_file=ann_file_train, exclude_file=exclude_file_train,
        label_file=label_file, proposal_file=proposal_file_train, person_det_score_thr=0.8,
        pipeline=train_pipeline, data_prefix=dict(img=data_root)))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type, ann_file=ann_file_val, exclude_file=exclude_file_val,
        label_file=label_file, proposal_file=proposal_file_val, person_det_score_thr=0.8,
        pipeline=val_pipeline, data_prefix=dict(img=data_root)))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=ann_file_val, label_file=label_file, exclude_file=exclude_file_val,
                     per_class=True)
test_evaluator = val_evaluator

train_cfg = dict(max_epochs=6, val_begin=6, val_interval=1)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='MultiStepLR', by_epoch=True, begin=0, end=6, milestones=[4, 5], gamma=0.1),
]
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-5),
    clip_grad=dict(max_norm=40, norm_type=2))
auto_scale_lr = dict(enable=False, base_batch_size=64)

# `tools/test.py ... --tta`: the report's 3 scales (short side 256, 288, 320) x horizontal flip,
# per-person scores averaged; models are then combined with tools/ensemble_results.py
tta_model = dict(
    type='STADTTAModel',
    views=[dict(size=None), dict(size=None, flip=True),
           dict(size=1.125), dict(size=1.125, flip=True),
           dict(size=1.25), dict(size=1.25, flip=True)])
