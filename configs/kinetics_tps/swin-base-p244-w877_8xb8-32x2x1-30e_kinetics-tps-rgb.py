# Video action recognizer of seed 002 (Kinetics-TPS, report Sec. 2.4): mmaction2's Video Swin-B
# (patch 2x4x4, window 8x7x7) with one class per Kinetics-TPS category, on the TPS videos' frames
# (`python -m mmaction_plugins.datasets.tps.prepare --root data/kinetics_tps` writes the
# RawframeDataset lists `tps_prepared/videos_<split>.txt`). The report pre-trains on
# Something-Something (from ImageNet-22K) because Kinetics weights were not allowed: give those
# weights with `load_from=<path>` (nothing is downloaded; the upstream ImageNet-1K `pretrained`
# URL is switched off).
#
# Testing it writes the predicted category of every video (`TPSCategoryMetric`, the challenge's
# `pred_vid` layout) to `pred_vid_file`: the part-state test config feeds it to the action
# embedding and scores the TPS area with it.
_base_ = [
    'mmaction::recognition/swin/swin-base-p244-w877_in1k-pre_8xb8-amp-32x2x1-30e_kinetics400-rgb.py',
    '../_base_/plugins.py',
]

categories = ('walk', 'run', 'jump', 'spin', 'kick ball', 'pick up box', 'open door', 'approach',
              'chase', 'talk', 'hand over', 'return', 'wait', 'wave', 'point', 'raise arm')
model = dict(
    backbone=dict(pretrained=None),
    cls_head=dict(num_classes=len(categories)))

data_root = 'data/kinetics_tps/'
pred_vid_file = data_root + 'pred_vid_val.json'
dataset_type = 'RawframeDataset'
meta_keys = ('img_shape', 'frame_dir', 'label')
train_pipeline = [
    dict(type='SampleFrames', clip_len=32, frame_interval=2, num_clips=1),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='RandomResizedCrop'),
    dict(type='Resize', scale=(224, 224), keep_ratio=False),
    dict(type='Flip', flip_ratio=0.5),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
val_pipeline = [
    dict(type='SampleFrames', clip_len=32, frame_interval=2, num_clips=1, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    dict(type='CenterCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='SampleFrames', clip_len=32, frame_interval=2, num_clips=4, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 224)),
    dict(type='ThreeCrop', crop_size=224),
    dict(type='FormatShape', input_format='NCTHW'),
    dict(type='PackActionInputs', meta_keys=meta_keys),
]
frames = dict(type=dataset_type, data_prefix=dict(_delete_=True, img=data_root),
              filename_tmpl='img_{:05}.jpg',
              start_index=1)
train_dataloader = dict(
    dataset=dict(frames, ann_file=data_root + 'tps_prepared/videos_train.txt',
                 pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(frames, ann_file=data_root + 'tps_prepared/videos_val.txt',
                 pipeline=val_pipeline, test_mode=True))
test_dataloader = dict(
    dataset=dict(frames, ann_file=data_root + 'tps_prepared/videos_val.txt',
                 pipeline=test_pipeline, test_mode=True))
val_evaluator = dict(type='AccMetric')
test_evaluator = [
    dict(type='AccMetric'),
    dict(type='TPSCategoryMetric', categories_file=data_root + 'tps/categories.txt',
         out_file=pred_vid_file),
]
# AMP with `tools/train.py --amp` (mmengine's AmpOptimWrapper needs a GPU)
optim_wrapper = dict(type='OptimWrapper')
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
