# PCCA report (seed 000), phase 2 of decoupled learning at full scale: load phase 1
# (./pcca_slowfast-k400-pre-r101_8xb4-8x8x1-12e_multisports-rgb.py, last epoch), sample keyframes
# class-balanced, train only the final classifier. The report gives no phase-2 schedule; this uses
# 2 epochs of cosine-decayed SGD from lr 0.01 (cRT-style classifier re-training).
_base_ = ['./pcca_slowfast-k400-pre-r101_8xb4-8x8x1-12e_multisports-rgb.py']

load_from = 'work_dirs/pcca_slowfast-k400-pre-r101_8xb4-8x8x1-12e_multisports-rgb/epoch_12.pth'
model = dict(init_cfg=None)  # every weight comes from load_from
train_dataloader = dict(
    sampler=dict(_delete_=True, type='ClassBalancedSampler', class_power=0.0))
custom_hooks = [dict(type='FreezeExceptHook', trainable=['roi_head.bbox_head.fc_cls'])]
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)

train_cfg = dict(max_epochs=2, val_begin=2, val_interval=1)
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=2, eta_min=0, by_epoch=True, begin=0, end=2),
]
optim_wrapper = dict(optimizer=dict(lr=0.01))
