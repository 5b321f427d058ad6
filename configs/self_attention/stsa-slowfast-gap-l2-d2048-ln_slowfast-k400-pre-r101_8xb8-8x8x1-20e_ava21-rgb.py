# Seed 004, the best Table 4.2 row (SSFA + TSFA, GAP, 2 layers, 2048 dims, LN) on SlowFast R101
# 8x8 (Kinetics-400 pre-trained; slow 8 frames, fast 32, 2048 + 256 channels): the deeper
# backbone, batch 64 (8 GPUs x 8) with the learning rate scaled linearly from the R50 baseline's
# 0.2 at 128.
_base_ = ['./stsa-slowfast-gap-l2-d2048-ln_slowfast-k400-pre-r50_8xb16-4x16x1-20e_ava21-rgb.py']

# mmaction2 model zoo: slowfast_r101_8xb8-8x8x1-256e_kinetics400-rgb (recognizer weights; the
# backbone.* keys are loaded, cls_head.* ignored). Override with a local path for offline runs.
pretrained = ('https://download.openmmlab.com/mmaction/v1.0/recognition/slowfast/'
              'slowfast_r101_8xb8-8x8x1-256e_kinetics400-rgb/'
              'slowfast_r101_8xb8-8x8x1-256e_kinetics400-rgb_20220901-9c0e09bd.pth')
model = dict(
    init_cfg=dict(type='Pretrained', checkpoint=pretrained),
    backbone=dict(
        resample_rate=4,  # tau: the slow pathway takes every 4th of the 32 input frames -> 8
        speed_ratio=4,  # alpha
        slow_pathway=dict(depth=101, fusion_kernel=7),
        fast_pathway=dict(depth=101)))

train_dataloader = dict(batch_size=8)
optim_wrapper = dict(optimizer=dict(lr=0.1))
auto_scale_lr = dict(base_batch_size=64)
