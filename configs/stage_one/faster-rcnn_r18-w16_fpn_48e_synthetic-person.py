# The tiny person detector with a 4x longer schedule (48 epochs, ~40 min on 2 CPU cores): the
# quick start trains the 12-epoch config to stay within its time budget; this one is the better
# proposal source for the synthetic benchmark's ablations.
_base_ = ['./faster-rcnn_r18-w16_fpn_12e_synthetic-person.py']

train_cfg = dict(max_epochs=48, val_interval=48)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=100),
    dict(type='MultiStepLR', begin=0, end=48, by_epoch=True, milestones=[36, 44], gamma=0.1),
]
