# Seed 003, the arm-action model: the short-term chain with ArmRoIHead — every person pooled at
# its arm box (elbow and wrist inside the frame -> the 1.5x enlarged box around shoulder, elbow,
# wrist; else the body box) — trained on 27 arm-related AVA classes (the report's count; it does
# not list them, the list below is ours: hand / arm actions of the 60 evaluated classes) plus a
# "none of them" column 0. Keypoints per proposal: the stage-one top-down pose model
# (configs/stage_one/td-hm_res50_8xb64-210e_person-keypoints-256x192.py) run by
# tools/person_parts.py on the same proposal files (keypoints only). Its scores are merged into
# the main model's for the classes where validation AP improves
# (mmaction_plugins.evaluation.class_score_merge). `--tta` moves the arm boxes with the proposals.
_base_ = ['./short-term_slowfast-k400-pre-r101_8xb8-8x8x1-26e_ava22-rgb.py']

arm_classes = [15, 17, 22, 24, 27, 29, 34, 36, 38, 41, 43, 45, 46, 47, 52, 54, 56, 57, 58, 59, 60,
               63, 64, 65, 67, 68, 69]
model = dict(
    roi_head=dict(
        # the model block is mmdet-scoped: our head lives in mmaction's registry
        type='mmaction.ArmRoIHead',
        match_iou=0.5,
        with_body=False,
        # column 0 is "none of the arm classes" (LabelSubset(with_none=True)): a class of the loss
        bbox_head=dict(num_classes=28, background_class=False)))

arm_proposals = dict(type='ArmProposals', arms='union', include_shoulder=True, scale=1.5,
                     min_size=0.2, score_thr=0.3, margin=0.0)
pack = dict(type='PackActionInputs',
            meta_keys=('img_shape', 'img_key', 'video_id', 'timestamp', 'arm_bboxes',
                       'arm_body_bboxes'))
train_pipeline = [
    dict(type='SampleAVAFrames', clip_len=32, frame_interval=2),
    dict(type='RawFrameDecode'),
    dict(type='RandomRescale', scale_range=(256, 320)),
    dict(type='RandomCrop', size=224),
    dict(type='Flip', flip_ratio=0.5),
    arm_proposals,
    dict(type='LabelSubset', classes=arm_classes, with_none=True),
    dict(type='FormatShape', input_format='NCTHW', collapse=True),
    pack,
]
val_pipeline = [
    dict(type='SampleAVAFrames', clip_len=32, frame_interval=2, test_mode=True),
    dict(type='RawFrameDecode'),
    dict(type='Resize', scale=(-1, 256)),
    arm_proposals,
    dict(type='FormatShape', input_format='NCTHW', collapse=True),
    pack,
]
anno_root = 'data/ava/annotations'
train_dataloader = dict(
    dataset=dict(type='KeypointSTADDataset', pipeline=train_pipeline,
                 keypoint_file=f'{anno_root}/ava_keypoints_train_v2.2.npz',
                 keypoint_match_iou=0.9))
val_dataloader = dict(
    dataset=dict(type='KeypointSTADDataset', pipeline=val_pipeline,
                 keypoint_file=f'{anno_root}/ava_keypoints_val_v2.2.npz',
                 keypoint_match_iou=0.9))
test_dataloader = val_dataloader
val_evaluator = dict(custom_classes=arm_classes, num_classes=28)
test_evaluator = val_evaluator
