# Tiny CPU variant of the AVA baseline: same chain (FastRCNN + SlowFast + AVARoIHead, STADDataset,
# AVAMetric), small widths and 64-px inputs, trained on the real AVA fixture rows laid out by
# `python -m mmaction_plugins.datasets.prepare_fixtures`. Minutes on 2 CPU cores.
_base_ = [
    './slowfast_k400-pre-r50_8xb16-4x16x1-20e_ava21-rgb.py',
    '../_base_/models/slowfast_tiny.py',
]

model = {{_base_.tiny_stad_model}}

data_root = 'data/fixtures/ava/rawframes'
anno_root = 'data/fixtures/ava/annotations'
ann_file_train = f'{anno_root}/ava_train.csv'
ann_file_val = f'{anno_root}/ava_val.csv'
exclude_file_val = f'{anno_root}/ava_val_excluded.csv'
label_file = f'{anno_root}/action_list.pbtxt'
proposal_file = f'{anno_root}/proposals.pkl'

train_pipeline = [
    dict(type='SampleAVAFrames', clip_len=16, frame_interval=2),
    dict(type='RawFrameDecode'),
    dict(type='RandomRescale', scale_range=(64, 80)),
    dict(type='RandomCrop', size=64),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW', collapse=True),
    dict(type='PackActionInputs'),
]
val_pipeline = [
    dict(type='SampleAVAFrames', clip_len=16, frame_interval=2, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 64)),
    dict(type='FormatShape', input_format='NCTHW', collapse=True),
    dict(type='PackActionInputs'),
]
train_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        ann_file=ann_file_train,
        exclude_file=None,
        label_file=label_file,
        proposal_file=proposal_file,
        pipeline=train_pipeline,
        data_prefix=dict(img=data_root)))
val_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        ann_file=ann_file_val,
        exclude_file=exclude_file_val,
        label_file=label_file,
        proposal_file=proposal_file,
        pipeline=val_pipeline,
        data_prefix=dict(img=data_root)))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=ann_file_val, label_file=label_file, exclude_file=exclude_file_val)
test_evaluator = val_evaluator

train_cfg = dict(max_epochs=2)
param_scheduler = [dict(type='LinearLR', start_factor=0.5, by_epoch=True, begin=0, end=1)]
optim_wrapper = dict(optimizer=dict(lr=0.01))
# Conv3d weights channels-last: ~1.2-1.4x faster CPU training steps of this chain, same results up
# to float32 rounding (benchmarks/train_step_speed.py; `memory_format=dict(enabled=False)` turns it
# off)
default_hooks = dict(logger=dict(interval=1), memory_format=dict(type='MemoryFormatHook'))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
