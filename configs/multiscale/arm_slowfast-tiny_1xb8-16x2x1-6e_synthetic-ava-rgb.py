# Multi-scale features (seed 003), the arm-action model on the tiny CPU chain: the synthetic-AVA
# tiny SlowFast baseline with ArmRoIHead — every person is pooled at its arm box (elbow and wrist
# inside the frame -> the enlarged box around shoulder, elbow and wrist; else its body box),
# trained on the benchmark's arm classes only (17 wave, 18 point, 19 raise arm) plus a
# "none of them" column 0, scored on those classes. Keypoints per proposal come from a keypoint
# file (ground truth here: `python -m mmaction_plugins.datasets.coco_person_keypoints --coco
# data/synthetic/small/coco/person_keypoints_<split>.json --out
# data/synthetic/small/ava/annotations/gt_keypoints_<split>.npz`; or the stage-one pose model's,
# `tools/person_parts.py`). Its scores are merged into the main model's by
# mmaction_plugins.evaluation.class_score_merge (tools/analysis/multiscale_ablation.py).
_base_ = ['../baseline/slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py']

arm_classes = [17, 18, 19]
model = dict(
    roi_head=dict(
        # the model block is mmdet-scoped: our head lives in mmaction's registry
        type='mmaction.ArmRoIHead',
        match_iou=0.5,
        with_body=False,
        # column 0 is "none of the arm classes" (LabelSubset(with_none=True)): a class of the loss
        bbox_head=dict(num_classes=4, background_class=False, topk=(1, ))))

arm_proposals = dict(type='ArmProposals', arms='union', include_shoulder=True, scale=1.5,
                     min_size=0.2, score_thr=0.3, margin=0.0)
pack = dict(type='PackActionInputs',
            meta_keys=('img_shape', 'img_key', 'video_id', 'timestamp', 'arm_bboxes',
                       'arm_body_bboxes'))
train_pipeline = [
    dict(type='SampleAVAFrames', clip_len=16, frame_interval=2),
    dict(type='RawFrameDecode'),
    dict(type='RandomRescale', scale_range=(64, 80)),
    dict(type='RandomCrop', size=64),
    dict(type='Flip', flip_ratio=0.5),
    arm_proposals,
    dict(type='LabelSubset', classes=arm_classes, with_none=True),
    dict(type='FormatShape', input_format='NCTHW', collapse=True),
    pack,
]
val_pipeline = [
    dict(type='SampleAVAFrames', clip_len=16, frame_interval=2, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 64)),
    arm_proposals,
    dict(type='FormatShape', input_format='NCTHW', collapse=True),
    pack,
]
anno_root = 'data/synthetic/small/ava/annotations'
train_dataloader = dict(
    dataset=dict(type='KeypointSTADDataset', pipeline=train_pipeline,
                 keypoint_file=f'{anno_root}/gt_keypoints_train.npz', keypoint_match_iou=0.9))
val_dataloader = dict(
    dataset=dict(type='KeypointSTADDataset', pipeline=val_pipeline,
                 keypoint_file=f'{anno_root}/gt_keypoints_val.npz', keypoint_match_iou=0.9))
test_dataloader = val_dataloader
val_evaluator = dict(custom_classes=arm_classes, num_classes=4)
test_evaluator = val_evaluator
