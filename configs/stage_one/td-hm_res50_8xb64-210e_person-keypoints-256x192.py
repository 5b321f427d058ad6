# Pose model for the arm branch of seed 003 (it used CPN, which mmpose 1.x does not ship): mmpose's
# top-down SimpleBaseline heatmap model, ResNet-50, COCO-17 keypoints, 256x192 input. Start from a
# COCO checkpoint with `load_from=<path or URL>`; person boxes come from stage-one proposals.
_base_ = [
    'mmpose::body_2d_keypoint/topdown_heatmap/coco/td-hm_res50_8xb64-210e_coco-256x192.py',
    '../_base_/plugins.py',
]

data_root = 'data/person_keypoints/'
train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/train.json',
        data_prefix=dict(img='images/')))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        ann_file='annotations/val.json',
        bbox_file=None,
        data_prefix=dict(img='images/')))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
