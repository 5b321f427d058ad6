# PCCA phase 2 ("decoupled learning", Kang et al. classifier re-training): start from the phase-1
# checkpoint, sample keyframes class-balanced (pick a class uniformly, then a keyframe that has
# it), and train only the final classifier `roi_head.bbox_head.fc_cls`: FreezeExceptHook sets
# requires_grad=False on every other parameter before training and keeps the frozen modules
# (BatchNorm, dropout) in eval mode, so their weights and running statistics stay exactly as loaded.
_base_ = ['./pcca_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb.py']

# tools/train.py's default work_dir for the phase-1 config, last epoch
load_from = 'work_dirs/pcca_slowfast-tiny_1xb8-16x2x1-6e_synthetic-ava-rgb/epoch_6.pth'

train_dataloader = dict(
    sampler=dict(_delete_=True, type='ClassBalancedSampler', class_power=0.0))
custom_hooks = [dict(type='FreezeExceptHook', trainable=['roi_head.bbox_head.fc_cls'])]
# distributed runs: frozen parameters get no gradient, which DDP must be told about
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)

train_cfg = dict(max_epochs=2, val_interval=2)
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=2, eta_min=0, by_epoch=True, begin=0, end=2),
]
# classifier re-training with SGD as Kang et al. do, whatever phase 1 used (the tiny chain: AdamW)
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-5))
