# Human detector of seed 002 (Kinetics-TPS): mmdet's Cascade R-CNN ResNet-50 FPN with one class,
# fine-tuned from a COCO checkpoint (`load_from=<path or URL>`) on the human boxes of the TPS frames
# in COCO format.
_base_ = [
    'mmdet::cascade_rcnn/cascade-rcnn_r50_fpn_1x_coco.py',
    '../_base_/plugins.py',
]

# The three cascade stages of the mmdet base, with one class each (lists replace, not merge).
cascade_stage_stds = ([0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1], [0.033, 0.033, 0.067, 0.067])
model = dict(
    roi_head=dict(bbox_head=[
        dict(
            type='Shared2FCBBoxHead',
            in_channels=256,
            fc_out_channels=1024,
            roi_feat_size=7,
            num_classes=1,
            bbox_coder=dict(
                type='DeltaXYWHBBoxCoder', target_means=[0.0, 0.0, 0.0, 0.0], target_stds=stds),
            reg_class_agnostic=True,
            loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
            loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0))
        for stds in cascade_stage_stds
    ]))

metainfo = dict(classes=('person', ))
data_root = 'data/tps_human/'
train_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/train.json',
        data_prefix=dict(img='images/')))
val_dataloader = dict(
    dataset=dict(
        data_root=data_root,
        metainfo=metainfo,
        ann_file='annotations/val.json',
        data_prefix=dict(img='images/')))
test_dataloader = val_dataloader
# AP@0.5 and AR@100 as in seed 000's detector table (AR@100 is otherwise only logged)
val_evaluator = dict(
    ann_file=data_root + 'annotations/val.json',
    metric_items=['mAP', 'mAP_50', 'mAP_75', 'AR@100'])
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
