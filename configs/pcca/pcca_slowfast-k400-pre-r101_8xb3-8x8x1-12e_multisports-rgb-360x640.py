# PCCA report (seed 000), row "PCCA 360x640": the same model trained and tested at short side
# 360 (360x640), batch 24 (8 GPUs x 3). The final entry ensembles this model and the 256x455 one,
# each with horizontal flips (tools/analysis/pcca_ablation.py's TTA row does the single-model
# version: one model, two test scales x flip).
_base_ = ['./pcca_slowfast-k400-pre-r101_8xb4-8x8x1-12e_multisports-rgb.py']

train_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleAVAFrames', clip_len=32, frame_interval=2),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 360)),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW', collapse=True),
    dict(type='PackActionInputs'),
]
val_pipeline = [
    dict(type='DecordInit'),
    dict(type='SampleAVAFrames', clip_len=32, frame_interval=2, test_mode=True),
    dict(type='DecordDecode'),
    dict(type='Resize', scale=(-1, 360)),
    dict(type='FormatShape', input_format='NCTHW', collapse=True),
    dict(type='PackActionInputs'),
]
train_dataloader = dict(batch_size=3, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
