# ACAR report (seed 001), row "Linear", on the tiny CPU chain: the synthetic-AVA tiny SlowFast
# baseline (RoI max-pool + linear classifier, sigmoid + BCE) trained with the report's bbox
# jittering (BoxJitter on the ground-truth boxes and the proposals, before the resize and crop).
# Every ACAR-chain config (ACAR, ACAR + ACFB, linear + LFB) inherits this one, so the rows
# differ only in the head.
_base_ = ['../baseline/slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py']

train_pipeline = [
    dict(type='SampleAVAFrames', clip_len=16, frame_interval=2),
    dict(type='RawFrameDecode'),
    # ACAR-Net: each corner moved by up to 7.5 % of the box size
    dict(type='BoxJitter', keys=('gt_bboxes', 'proposals'), shift_ratio=0.075,
         scale_ratio=0.15, prob=1.0),
    dict(type='RandomRescale', scale_range=(64, 80)),
    dict(type='RandomCrop', size=64),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW', collapse=True),
    dict(type='PackActionInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))

# `tools/test.py ... --tta`: the report's 3 scales (256, 288, 320 = 1, 1.125, 1.25 x the test
# short side) x horizontal flip, per-person scores averaged
tta_model = dict(
    type='STADTTAModel',
    views=[dict(size=None), dict(size=None, flip=True),
           dict(size=1.125), dict(size=1.125, flip=True),
           dict(size=1.25), dict(size=1.25, flip=True)])
