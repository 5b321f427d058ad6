# Top-down part detector of the Kinetics-TPS chain: the stage-one Cascade R-CNN Swin-L body-part
# detector (configs/stage_one/cascade-rcnn_swin-l-p4-w12_fpn_1x_body-part.py, seed 002's) with the
# 10 Kinetics-TPS parts as classes (head, torso, left/right arm, hand, leg, foot: the parts whose
# states are scored) instead of that config's limb segments. Trained on person crops of the TPS
# part boxes: `python -m mmaction_plugins.datasets.tps.prepare --root data/kinetics_tps` writes
# `tps_prepared/part_crops/` (crops: ground-truth person boxes enlarged `person_crop_scale`).
# At inference, `mmaction_plugins.apis.tps_inference.tps_stage_one` crops each detected human the
# same way, runs this detector and maps the best box of every part back to the frame.
_base_ = ['../stage_one/cascade-rcnn_swin-l-p4-w12_fpn_1x_body-part.py']

# In the order of the prepared file's categories (the vocabulary order of `tps/part_states.json`,
# by name): mmdet numbers labels in the file's order, and ClassOrderCocoDataset (inherited)
# raises, naming the file, if this order differs.
part_classes = ('head', 'left_arm', 'left_foot', 'left_hand', 'left_leg', 'right_arm',
                'right_foot', 'right_hand', 'right_leg', 'torso')
metainfo = dict(classes=part_classes)
data_root = 'data/kinetics_tps/tps_prepared/part_crops/'
train_dataloader = dict(dataset=dict(data_root=data_root, metainfo=metainfo))
val_dataloader = dict(dataset=dict(data_root=data_root, metainfo=metainfo))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/val.json')
test_evaluator = val_evaluator
