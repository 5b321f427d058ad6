# Tiny CPU variant of the Kinetics-TPS part detector: the stage-one tiny body-part detector
# (16-wide Swin, 32-channel FPN, crops resized to at most 128 px, 2 epochs) with the 10 TPS parts
# as classes, on the person crops of the synthetic benchmark's TPS export:
#   python -m mmaction_plugins.datasets.tps.prepare --root data/synthetic/small
_base_ = ['../stage_one/cascade-rcnn_swin-t-w16_fpn_2e_synthetic-body-part.py']

# In the order of the prepared file's categories (the vocabulary order of `tps/part_states.json`,
# by name): mmdet numbers labels in the file's order, and ClassOrderCocoDataset (inherited)
# raises, naming the file, if this order differs.
part_classes = ('head', 'left_arm', 'left_foot', 'left_hand', 'left_leg', 'right_arm',
                'right_foot', 'right_hand', 'right_leg', 'torso')
metainfo = dict(classes=part_classes)
data_root = 'data/synthetic/small/tps_prepared/part_crops/'
train_dataloader = dict(dataset=dict(data_root=data_root, metainfo=metainfo))
val_dataloader = dict(dataset=dict(data_root=data_root, metainfo=metainfo))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator
