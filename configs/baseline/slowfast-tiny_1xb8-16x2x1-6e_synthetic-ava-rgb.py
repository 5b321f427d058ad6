# The tiny AVA baseline chain (FastRCNN + tiny SlowFast + AVARoIHead, STADDataset, official AVA
# scorer) on the synthetic benchmark's AVA layout: 19 classes (ids 1..19, so 20 score columns),
# 64-px inputs. `python -m mmaction_plugins.datasets.synthetic --preset small --seed 0 --out
# data/synthetic/small` writes the data; the proposals default to the generator's ground-truth
# boxes, the quick start (`tools/quickstart.py`) swaps in its person detector's.
_base_ = ['./slowfast-tiny_1xb1-16x2x1-2e_ava-fixtures-rgb.py']

model = dict(roi_head=dict(bbox_head=dict(num_classes=20)))

data_root = 'data/synthetic/small/ava/rawframes'
anno_root = 'data/synthetic/small/ava/annotations'
ann_file_train = f'{anno_root}/ava_train.csv'
ann_file_val = f'{anno_root}/ava_val.csv'
exclude_file_train = f'{anno_root}/ava_train_excluded_timestamps.csv'
exclude_file_val = f'{anno_root}/ava_val_excluded_timestamps.csv'
label_file = f'{anno_root}/ava_action_list.pbtxt'

train_dataloader = dict(
    batch_size=8,
    dataset=dict(
        ann_file=ann_file_train,
        exclude_file=exclude_file_train,
        label_file=label_file,
        num_classes=20,
        person_det_score_thr=0.6,
        proposal_file=f'{anno_root}/ava_dense_proposals_train.json',
        data_prefix=dict(img=data_root)))
val_dataloader = dict(
    dataset=dict(
        ann_file=ann_file_val,
        exclude_file=exclude_file_val,
        label_file=label_file,
        num_classes=20,
        person_det_score_thr=0.6,
        proposal_file=f'{anno_root}/ava_dense_proposals_val.json',
        data_prefix=dict(img=data_root)))
test_dataloader = val_dataloader
val_evaluator = dict(
    ann_file=ann_file_val, label_file=label_file, exclude_file=exclude_file_val,
    num_classes=20, per_class=True)
test_evaluator = val_evaluator

train_cfg = dict(max_epochs=6, val_interval=6)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0, end=50),
    dict(type='CosineAnnealingLR', T_max=6, eta_min=0, by_epoch=True, begin=0, end=6),
]
# AdamW rather than the AVA configs' SGD (lr 0.05 up to commit e0dc1d4): the chain trained from
# scratch underfitted with SGD; AdamW lifted the context classes +7.5 +- 2.4 AP (base-chain probe)
optim_wrapper = dict(optimizer=dict(_delete_=True, type='AdamW', lr=1e-3, weight_decay=1e-4))
default_hooks = dict(logger=dict(interval=10))
