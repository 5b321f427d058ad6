# Person detector of seeds 000 (PCCA, MultiSports) and 003 (AVA): mmdet's Faster R-CNN
# ResNeXt-101-64x4d FPN, one class, fine-tuned on person boxes in COCO format (keyframes of the
# action dataset). Start from a COCO checkpoint with `load_from=<path or URL>`.
_base_ = [
    'mmdet::faster_rcnn/faster-rcnn_x101-64x4d_fpn_1x_coco.py',
    '../_base_/plugins.py',
]

model = dict(roi_head=dict(bbox_head=dict(num_classes=1)))

metainfo = dict(classes=('person', ))
data_root = 'data/person_det/'
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
# seed 000 reports AP@0.5 and AR@100: CocoMetric's bbox_mAP_50 and AR@100
# AP@0.5 and AR@100 as in seed 000's detector table (AR@100 is otherwise only logged)
val_evaluator = dict(
    ann_file=data_root + 'annotations/val.json',
    metric_items=['mAP', 'mAP_50', 'mAP_75', 'AR@100'])
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(backend_args=dict(backend='atomic_local')))
